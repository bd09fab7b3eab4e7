#!/usr/bin/env node
import { lsRunsMain } from "../dist/src/ls-runs.js";
lsRunsMain(process.argv.slice(2));
