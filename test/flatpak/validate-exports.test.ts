import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateExports } from '../../src/flatpak/validate-exports.js';
import { buildExport } from '../../src/flatpak/export.js';
import { tempDirs } from '../util/scratch.js';

const ID = 'org.test.App';

const tmp = tempDirs('fpval');

function dirs(): { exp: string; files: string } {
  const d = tmp();
  const exp = join(d, 'export');
  const files = join(d, 'files');
  mkdirSync(join(exp, 'share', 'applications'), { recursive: true });
  mkdirSync(join(exp, 'share', 'dbus-1', 'services'), { recursive: true });
  mkdirSync(join(exp, 'share', 'icons', 'hicolor', '64x64', 'apps'), { recursive: true });
  mkdirSync(join(files, 'bin'), { recursive: true });
  writeFileSync(join(files, 'bin', 'app'), '');
  return { exp, files };
}

describe('validateExports (flatpak build-export checks)', () => {
  it('accepts a consistent export and warns like flatpak', () => {
    const { exp, files } = dirs();
    writeFileSync(join(exp, 'share', 'applications', `${ID}.desktop`), '[Desktop Entry]\nExec=app --x\nIcon=other\nDBusActivatable=true\n');
    writeFileSync(join(exp, 'share', 'dbus-1', 'services', `${ID}.service`), `[D-BUS Service]\nName=${ID}\nExec=/app/bin/missing\n`);
    expect(validateExports(exp, files, ID)).toEqual([
      `Icon not matching app id in ${join(exp, 'share', 'applications', `${ID}.desktop`)}: other`,
      'Icon referenced in desktop file but not exported: other',
      `Binary not found for Exec line in ${join(exp, 'share', 'dbus-1', 'services', `${ID}.service`)}: /app/bin/missing`,
    ]);
    writeFileSync(join(exp, 'share', 'icons', 'hicolor', '64x64', 'apps', `${ID}.png`), '');
    writeFileSync(join(exp, 'share', 'applications', `${ID}.desktop`), `[Desktop Entry]\nExec=app\nIcon=${ID}\n`);
    writeFileSync(join(exp, 'share', 'dbus-1', 'services', `${ID}.service`), `[D-BUS Service]\nName=${ID}\nExec=/app/bin/app\n`);
    expect(validateExports(exp, files, ID)).toEqual([]);
  });

  it('rejects what flatpak rejects', () => {
    const { exp, files } = dirs();
    const desktop = join(exp, 'share', 'applications', `${ID}.desktop`);
    const service = join(exp, 'share', 'dbus-1', 'services', `${ID}.service`);
    writeFileSync(desktop, '[Desktop Entry]\nExec=app\nDBusActivatable=true\n');
    expect(() => validateExports(exp, files, ID)).toThrow(/D-Bus activatable, but service file not exported/);
    writeFileSync(service, '[D-BUS Service]\nName=org.other.App\nExec=app\n');
    expect(() => validateExports(exp, files, ID)).toThrow(/does not match app id/);
    writeFileSync(service, `[D-BUS Service]\nName=${ID}\n`);
    expect(() => validateExports(exp, files, ID)).toThrow(/Invalid service file/);
    writeFileSync(service, 'garbage');
    expect(() => validateExports(exp, files, ID)).toThrow(expect.objectContaining({ code: 'EXPORT_INVALID' }));
    writeFileSync(desktop, 'garbage');
    expect(() => validateExports(exp, files, ID)).toThrow(expect.objectContaining({ code: 'EXPORT_INVALID' }));
  });

  it('buildExport reports warnings and refuses invalid exports before writing anything', async () => {
    const { exp, files } = dirs();
    const base = join(exp, '..');
    writeFileSync(join(base, 'metadata'), `[Application]\nname=${ID}\n`);
    writeFileSync(join(exp, 'share', 'applications', `${ID}.desktop`), '[Desktop Entry]\nExec=nope\n');
    const warnings: string[] = [];
    await buildExport(join(base, 'repo'), base, { arch: 'x86_64', updateSummary: false, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([`Binary not found for Exec line in ${join(exp, 'share', 'applications', `${ID}.desktop`)}: nope`]);
    writeFileSync(join(exp, 'share', 'dbus-1', 'services', `${ID}.service`), '[D-BUS Service]\nName=x.y.z\nExec=a\n');
    await expect(buildExport(join(base, 'repo2'), base, { arch: 'x86_64', updateSummary: false })).rejects.toMatchObject({ code: 'EXPORT_INVALID' });
    expect(files).toBeTruthy();
  });
});
