import { readFileSync } from 'node:fs';
import { expect } from 'chai';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('a fresh machine: the README test command brings what the suite needs', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  const deps = read('scripts/test-deps.sh');

  it('npm test (and test:wasm) runs scripts/test-deps.sh before building', () => {
    expect(pkg.scripts.pretest).to.match(/^scripts\/test-deps\.sh && /);
    expect(pkg.scripts['pretest:wasm']).to.match(/^scripts\/test-deps\.sh && /);
    expect(read('README.md')).to.include('npm ci && npm test');
  });

  it('test-deps brings Redis, Chromium, Mesa, promtool, systemd-analyze and haproxy when missing', () => {
    for (const pkgName of ['redis-server', 'chromium', 'libegl-mesa0', 'libgl1-mesa-dri', 'prometheus']) {
      expect(deps, pkgName).to.match(new RegExp(`apt_install [^\\n]*\\b${pkgName}\\b`));
    }
    expect(deps).to.include('deploy_tools+=(systemd)').and.include('deploy_tools+=(haproxy)');
    expect(deps).to.include('redis-server --daemonize yes');
  });

  it('.ci/run calls exactly the README command, and installs nothing of its own', () => {
    const ci = read('.ci/run');
    expect(ci).to.match(/^suite npm test /m);
    expect(ci).to.not.include('apt-get');
  });
});
