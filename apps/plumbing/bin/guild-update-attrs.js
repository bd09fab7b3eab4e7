#!/usr/bin/env node
import { updateAttrsMain } from "../dist/src/update-attrs.js";
updateAttrsMain(process.argv.slice(2));
