#!/usr/bin/env node
import { lifecycleMain } from "../dist/src/lifecycle-cmds.js";
lifecycleMain("guild-mark-deleted", process.argv.slice(2));
