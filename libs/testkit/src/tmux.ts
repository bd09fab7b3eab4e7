import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/**
 * A real terminal for end-to-end tests: a tmux server of its own (one socket per test file)
 * with one window "t"; `keys` types, `screen` reads what is shown.
 */
export class Tmux {
  private readonly socket: string;
  constructor(name: string) {
    this.socket = `guildts-${name}-${process.pid}`;
  }

  run(...args: string[]) {
    return spawnSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8" });
  }

  /** Starts the window running `command` (through tmux's shell) in `cwd`. */
  start(width: number, height: number, cwd: string, command: string): void {
    const r = this.run("new-session", "-d", "-s", "t", "-x", String(width), "-y", String(height), "-c", cwd, command);
    assert.equal(r.status, 0, r.stderr);
  }

  keys(...keys: string[]): void {
    this.run("send-keys", "-t", "t", ...keys);
  }

  /** The visible screen; with `escapes`, with its colour escape sequences. */
  screen(escapes = false): string {
    return this.run("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", "t").stdout;
  }

  /** The screen once it matches `pattern`; fails (showing the screen) after `ms`. */
  async waitFor(pattern: RegExp, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (pattern.test(s)) return s;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Clears the screen, waits until it shows only the prompt (`$`), then types `line` and Enter.
   * The wait matters: keys typed while `clear` runs are echoed before it, so the command's output
   * would start on the prompt line, and a screen still showing the last command's output would
   * satisfy the next `waitFor`.
   */
  async typeOnClearScreen(line: string): Promise<void> {
    this.keys("clear", "Enter");
    await this.waitFor(/^\$\s*$/);
    this.keys(line, "Enter");
  }

  kill(): void {
    this.run("kill-server");
  }
}
