/** Finding the compose tool, with fake `docker` and `docker-compose` on a PATH the test controls. */
import { describe, expect, it } from 'vitest';
import { composeArgs, findCompose, versionAtLeast } from '../../src/runner/compose.js';
import { fakePath } from '../fakes/project.js';

describe('findCompose', () => {
  it.each([
    [['docker', 'docker-compose'], { FAKE_COMPOSE_VERSION: '2.29.1', FAKE_STANDALONE_VERSION: '1.29.2' }, { command: ['docker', 'compose'], version: '2.29.1', flavour: 'v2' }],
    [['docker'], { FAKE_COMPOSE_VERSION: 'v2.40.3' }, { command: ['docker', 'compose'], version: '2.40.3', flavour: 'v2' }],
    [['docker', 'docker-compose'], { FAKE_STANDALONE_VERSION: '1.29.2' }, { command: ['docker-compose'], version: '1.29.2', flavour: 'standalone' }],
    [['docker-compose'], { FAKE_STANDALONE_VERSION: '1.28.0' }, { command: ['docker-compose'], version: '1.28.0', flavour: 'standalone' }],
    [['docker-compose'], { FAKE_STANDALONE_VERSION: '2.20.2' }, { command: ['docker-compose'], version: '2.20.2', flavour: 'standalone' }],
  ] as const)('with %j and %j', async (tools, env, expected) => {
    expect(await findCompose({ PATH: fakePath([...tools]), ...env })).toEqual(expected);
  });

  it.each([
    [['docker-compose'], { FAKE_STANDALONE_VERSION: '1.27.4' }, /1.27.4 is too old \(1.28 or newer needed\)[\s\S]*docker-compose-plugin/],
    [['docker'], {}, /Neither `docker compose` nor `docker-compose`[\s\S]*docker-compose-plugin/],
    [[], {}, /Neither/],
  ] as const)('reports %j, %j as missing', async (tools, env, message) => {
    const found = await findCompose({ PATH: fakePath([...tools]), ...env });
    expect('missing' in found && found.missing).toMatch(message);
  });

  it('compares versions field by field', () => {
    expect(versionAtLeast('1.28', '1.28')).toBe(true);
    expect(versionAtLeast('1.29.2', '1.28')).toBe(true);
    expect(versionAtLeast('1.3', '1.28')).toBe(false);
    expect(versionAtLeast('2.0.0', '1.28')).toBe(true);
  });

  it('puts the files before the subcommand', () => {
    expect(composeArgs({ command: ['docker', 'compose'], version: '2', flavour: 'v2' }, ['docker-compose.yml', 'docker-compose.gpu.yml'], ['up', '-d'])).toEqual({
      file: 'docker',
      args: ['compose', '-f', 'docker-compose.yml', '-f', 'docker-compose.gpu.yml', 'up', '-d'],
    });
  });
});
