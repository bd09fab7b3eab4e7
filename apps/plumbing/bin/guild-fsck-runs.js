#!/usr/bin/env node
import { fsckMain } from "../dist/src/fsck-runs.js";
fsckMain(process.argv.slice(2));
