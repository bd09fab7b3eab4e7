#!/usr/bin/env node
import { stopRunsMain } from "../dist/src/stop-runs.js";
stopRunsMain(process.argv.slice(2));
