import { CliError, ConfigError, EXIT, loadUserConfig, type LoadedConfig, type UserConfig } from "@guildts/format";

const loaded = new Map<string, LoadedConfig>();

/**
 * The user's config files for a home (libs/format's config.ts), read once per process, their
 * warnings (unknown keys) printed once on stderr. A file that does not parse, or a value of the
 * wrong type, is an error (exit 5) naming the file and the key or line and column.
 */
export function loadedConfig(home: string): LoadedConfig {
  let c = loaded.get(home);
  if (!c) {
    try {
      c = loadUserConfig(home);
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message, EXIT.FAULT);
      throw e;
    }
    for (const w of c.warnings) process.stderr.write(`guild: warning: ${w}\n`);
    loaded.set(home, c);
  }
  return c;
}

/** The user's defaults for a command on `home`. */
export function userConfig(home: string): UserConfig {
  return loadedConfig(home).config;
}
