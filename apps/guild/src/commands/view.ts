import { CliError, EXIT } from "@guildts/format";
import { addGuildShorts, addGuildUnsupported, addRunOptions, runOptions, say } from "@guildts/plumbing";
import type { CommandBody } from "../command.js";

/**
 * `guild view [RUN...] [filters]`: the web view of the store (apps/view, loaded only here). It
 * prints its URL, with the access token, as one line on stdout and serves until Ctrl-C.
 */
export const view: CommandBody = {
  takesRuns: true,
  usage:
    "[RUN...] [options]\n\nServe a web view of the runs (the table, charts of their scalars, compare, diff, actions) on\n" +
    "http://127.0.0.1:PORT, and print its URL with the access token as one line on stdout. The runs and\n" +
    "filters given open the page filtered. Ctrl-C stops the server.\n" +
    "--export FILE.html writes the table and charts of the selected runs to one self-contained HTML file.",
  examples: [
    "guild view                          # serve on 127.0.0.1, a free port, and open the browser",
    "guild view --no-open --port 8080    # print http://127.0.0.1:8080/?token=... and serve",
    "guild view -o train -F 'acc > 0.9' --export report.html",
  ],
  options: (cli) =>
    addGuildUnsupported(addGuildShorts(addRunOptions(cli), { "-n": "--no-open" }), "--logging", "--dev", "--test")
      .option("--host <host>", "Interface to listen on (default 127.0.0.1; another one needs --allow-remote)")
      .option("--port <port>", "Port to listen on (default 0: a free port)")
      .option("--allow-remote", "Allow --host to be an address other than loopback (the token is then all that guards the store)")
      .option("--no-open", "Do not open a browser (also -n)")
      .option("--export <file>", "Write a self-contained HTML file of the selected runs instead of serving"),
  async run({ args, opts }) {
    const o = runOptions(opts);
    const port = opts.port === undefined ? 0 : Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`invalid port '${opts.port}'`, EXIT.USAGE);
    const viewLib = await import("@guildts/view");
    const scope = { home: o.home.path, cwd: process.cwd(), all: opts.all === true };
    const query = viewLib.queryOfOptions(opts, args);
    if (opts.export !== undefined) {
      const file = String(opts.export);
      try {
        const n = viewLib.exportView(file, scope, query);
        process.stderr.write(`Wrote ${n} run${n === 1 ? "" : "s"} to ${file}\n`);
      } catch (e) {
        if (e instanceof viewLib.QueryError) throw new CliError(e.message, EXIT.USAGE);
        throw e;
      }
      return EXIT.OK;
    }
    const host = opts.host === undefined ? "127.0.0.1" : String(opts.host);
    let server;
    try {
      server = await viewLib.startView({ ...scope, host, port, allowRemote: opts.allowRemote === true, query });
    } catch (e) {
      if (e instanceof viewLib.ViewError) throw new CliError(e.message, EXIT.USAGE);
      throw e;
    }
    if (!viewLib.isLoopback(host))
      say("guild view", `warning: listening on ${host}: anyone who can reach it and has the URL's token can read and change the runs`);
    // Ctrl-C is handled before the URL is out: whoever reads the line may signal at once.
    const stopped = new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    process.stdout.write(`${server.url}\n`);
    if (opts.open !== false) openBrowser(server.url);
    await stopped;
    await server.close();
    return EXIT.OK;
  },
};

/** Opens the URL with xdg-open (or open on macOS), never through a shell; failing is silent. */
function openBrowser(url: string): void {
  const cp = process.getBuiltinModule("node:child_process") as typeof import("node:child_process");
  const opener = process.platform === "darwin" ? "open" : "xdg-open";
  try {
    const child = cp.spawn(opener, [url], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // no opener: the URL is on stdout
  }
}
