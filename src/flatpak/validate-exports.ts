/**
 * The checks `flatpak build-export` runs on an app's `export/` directory (flatpak 1.14
 * `app/flatpak-builtins-build-export.c`: `validate_exports()`, `validate_desktop_file()`,
 * `validate_icon()`, `validate_service_file()`): `share/applications/ID.desktop` and
 * `share/dbus-1/services/ID.service` must be loadable key files; a D-Bus activatable desktop file
 * needs the service file; the service's `Name` must equal the app ID and it must have `Exec`.
 * Softer problems (missing Exec binary, icon not prefixed by the app ID or not exported) are
 * returned as warnings, printed by the CLI as flatpak prints them.
 *
 * Not done: running `desktop-file-validate` and `flatpak-validate-icon` (external programs; the
 * former only produces warnings in flatpak, the latter rejects exported icons that are not
 * loadable images of at most 512×512).
 *
 * @module
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { OstreeError } from '../errors.js';
import { KeyFile } from '../format/keyfile.js';

function exists(p: string): boolean {
  return existsSync(p);
}

function loadKeyFile(path: string): KeyFile {
  try {
    return KeyFile.parse(new Uint8Array(readFileSync(path)));
  } catch (e) {
    if (e instanceof OstreeError) throw new OstreeError('EXPORT_INVALID', `${path}: ${e.message}`, { cause: e, data: { path } });
    throw new OstreeError('EXPORT_INVALID', `Cannot read ${path}: ${(e as Error).message}`, { cause: e, data: { path } });
  }
}

/** `convert_app_absolute_path()`: where an Exec command lives inside `files/`. */
function appBinary(command: string, filesDir: string): string {
  const first = command.split(' ')[0] ?? '';
  if (isAbsolute(first)) return join(filesDir, first.startsWith('/app/') ? first.slice(5) : first);
  return join(filesDir, 'bin', first);
}

function findFile(dir: string, name: string, depth = 0): boolean {
  if (depth > 64) return false;
  let ents;
  try {
    ents = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of ents) {
    if (e.isFile() && e.name === name) return true;
    if (e.isDirectory() && findFile(join(dir, e.name), name, depth + 1)) return true;
  }
  return false;
}

function boolOr(kf: KeyFile, group: string, key: string): boolean {
  try {
    return kf.getBoolean(group, key, false);
  } catch {
    return false;
  }
}

/**
 * Validate an app's exports (see the module notes). Returns the warnings.
 *
 * @throws OstreeError `EXPORT_INVALID` for the problems flatpak treats as errors
 */
export function validateExports(exportDir: string, filesDir: string, appId: string): string[] {
  const warnings: string[] = [];
  const desktop = join(exportDir, 'share', 'applications', `${appId}.desktop`);
  let activatable = false;
  let icon: string | undefined;
  if (exists(desktop) && statSync(desktop).isFile()) {
    const kf = loadKeyFile(desktop);
    activatable = boolOr(kf, 'Desktop Entry', 'DBusActivatable');
    let command: string | undefined;
    try {
      command = kf.getString('Desktop Entry', 'Exec');
    } catch {
      command = undefined;
    }
    if (command === undefined && !activatable) warnings.push(`Can't find Exec key in ${desktop}`);
    else if (command !== undefined && command.length > 0 && !exists(appBinary(command, filesDir))) {
      warnings.push(`Binary not found for Exec line in ${desktop}: ${command}`);
    }
    try {
      icon = kf.getString('Desktop Entry', 'Icon');
    } catch {
      icon = undefined;
    }
    if (icon !== undefined && !icon.startsWith(appId)) warnings.push(`Icon not matching app id in ${desktop}: ${icon}`);
  }
  if (icon !== undefined) {
    const icons = join(exportDir, 'share', 'icons', 'hicolor');
    if (!findFile(icons, `${icon}.png`) && !findFile(icons, `${icon}.svg`)) warnings.push(`Icon referenced in desktop file but not exported: ${icon}`);
  }
  const service = join(exportDir, 'share', 'dbus-1', 'services', `${appId}.service`);
  if (!exists(service)) {
    if (activatable) throw new OstreeError('EXPORT_INVALID', `Desktop file D-Bus activatable, but service file not exported: ${service}`, { data: { path: service } });
    return warnings;
  }
  const kf = loadKeyFile(service);
  let name: string | undefined;
  let exec: string | undefined;
  try {
    name = kf.getString('D-BUS Service', 'Name');
    exec = kf.getString('D-BUS Service', 'Exec');
  } catch (e) {
    throw new OstreeError('EXPORT_INVALID', `Invalid service file ${service}: ${(e as Error).message}`, { cause: e, data: { path: service } });
  }
  if (name === undefined) throw new OstreeError('EXPORT_INVALID', `Invalid service file ${service}: no Name key in group D-BUS Service`, { data: { path: service } });
  if (name !== appId) throw new OstreeError('EXPORT_INVALID', `Name in service file ${service} does not match app id: ${name}`, { data: { path: service, name } });
  if (exec === undefined) throw new OstreeError('EXPORT_INVALID', `Invalid service file ${service}: no Exec key in group D-BUS Service`, { data: { path: service } });
  if (!exists(appBinary(exec, filesDir))) warnings.push(`Binary not found for Exec line in ${service}: ${exec}`);
  return warnings;
}
