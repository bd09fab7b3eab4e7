#!/usr/bin/env node
import { revParseRunMain } from "../dist/src/rev-parse-run.js";
revParseRunMain(process.argv.slice(2));
