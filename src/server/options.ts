// Analysis options per workspace folder: `.concurrency-lens.json` (read by the engine's loadConfig)
// overlaid with the folder's `concurrencyLens.*` settings. Both are cached until told otherwise.
import path from 'node:path';
import { defaultOptions, loadConfig } from '../analysis/index.js';
import type { AnalysisOptions } from '../analysis/types.js';
import { normalizeSettings, type Settings } from '../shared/settings.js';
import { isInside } from './uri.js';

export interface FolderContext {
  /** the workspace folder holding the file, or the file's own directory when it is in none */
  folder: string;
  inWorkspace: boolean;
  settings: Settings;
  options: AnalysisOptions;
  configFile?: string;
  /** the config file's `exclude` globs, relative to the folder */
  exclude: string[];
}

export interface OptionsProviderHost {
  /** `concurrencyLens` settings for a folder (workspace/configuration request) */
  readSettings(folder: string | undefined, file: string): Promise<unknown>;
  /** config file problems, reported once per distinct text */
  reportConfigErrors(configFile: string | undefined, errors: string[]): void;
}

export class OptionsProvider {
  private folders: string[] = [];
  private readonly settings = new Map<string, Promise<Settings>>();
  private readonly settingsScopes = new Map<string, { folder: string | undefined; file: string }>();
  private readonly configs = new Map<string, ReturnType<typeof loadConfig>>();

  constructor(private readonly host: OptionsProviderHost) {}

  setFolders(folders: string[]): void {
    // Longest first, so nested folders of a multi-root workspace win.
    this.folders = [...folders].sort((a, b) => b.length - a.length);
  }

  get workspaceFolders(): readonly string[] {
    return this.folders;
  }

  folderOf(file: string): string | undefined {
    return this.folders.find((folder) => isInside(file, folder));
  }

  /**
   * Reads the settings of every folder seen so far again; true when any of them changed.
   * (Clients send a change notification at start-up and for unrelated sections too.)
   */
  async refreshSettings(): Promise<boolean> {
    let changed = false;
    await Promise.all(
      [...this.settings.entries()].map(async ([key, previous]) => {
        const scope = this.settingsScopes.get(key)!;
        const next = this.host
          .readSettings(scope.folder, scope.file)
          .then(normalizeSettings, () => normalizeSettings(undefined));
        if (JSON.stringify(await previous) !== JSON.stringify(await next)) changed = true;
        this.settings.set(key, next);
      }),
    );
    return changed;
  }

  invalidateConfigFiles(): void {
    this.configs.clear();
  }

  /**
   * Settings the client sent with initialize (folder → raw `concurrencyLens` section): the first
   * analyses need no workspace/configuration round trip. Change notifications re-read them.
   */
  seedSettings(settings: Map<string, unknown>): void {
    for (const [folder, raw] of settings) {
      if (this.settings.has(folder)) continue;
      this.settings.set(folder, Promise.resolve(normalizeSettings(raw)));
      this.settingsScopes.set(folder, { folder, file: folder });
    }
  }

  async settingsFor(folder: string | undefined, file: string): Promise<Settings> {
    const key = folder ?? path.dirname(file);
    let settings = this.settings.get(key);
    if (!settings) {
      settings = this.host
        .readSettings(folder, file)
        .then(normalizeSettings, () => normalizeSettings(undefined));
      this.settings.set(key, settings);
      this.settingsScopes.set(key, { folder, file });
    }
    return settings;
  }

  async forFile(file: string): Promise<FolderContext> {
    const workspaceFolder = this.folderOf(file);
    const folder = workspaceFolder ?? path.dirname(file);
    const settings = await this.settingsFor(workspaceFolder, file);
    let config = this.configs.get(folder);
    if (!config) {
      try {
        config = loadConfig(folder);
      } catch (error) {
        config = {
          options: defaultOptions(),
          config: {},
          errors: [`could not read the configuration: ${String(error)}`],
        };
      }
      this.configs.set(folder, config);
      if (config.errors.length > 0) this.host.reportConfigErrors(config.configFile, config.errors);
    }
    return {
      folder,
      inWorkspace: workspaceFolder !== undefined,
      settings,
      options: withSettings(config.options, settings),
      configFile: config.configFile,
      exclude: config.config.exclude ?? [],
    };
  }
}

/** Editor settings override the config file; `null`/`default` settings leave it alone. */
export function withSettings(base: AnalysisOptions, settings: Settings): AnalysisOptions {
  const rules = { ...base.rules };
  for (const [id, severity] of Object.entries(settings.rules)) {
    if (severity !== 'default') rules[id] = { ...rules[id], severity };
  }
  const thresholds = { ...base.thresholds };
  for (const [key, value] of Object.entries(settings.thresholds) as Array<
    [keyof typeof thresholds, number | null]
  >) {
    if (value !== null) thresholds[key] = value;
  }
  return {
    ...base,
    rules,
    thresholds,
    mainThreadRulesInTests: settings.mainThreadRulesInTests ?? base.mainThreadRulesInTests,
    mainThreadRulesInScripts: settings.mainThreadRulesInScripts ?? base.mainThreadRulesInScripts,
    maxFileBytes: settings.maxFileBytes ?? base.maxFileBytes,
    dependencies: settings.dependencies ?? base.dependencies,
  };
}
