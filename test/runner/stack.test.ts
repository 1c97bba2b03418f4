/** The project name the runner lists a stack by: the one compose gives it without -p. */
import { describe, expect, it } from 'vitest';
import { composeProjectName } from '../../src/runner/commands/stack.js';

describe('composeProjectName', () => {
  it.each([
    ['the folder, as it is', '/home/ada/my-project', {}, {}, 'my-project'],
    ['the folder, in lower case without other characters', '/home/ada/My Project.v2', {}, {}, 'myprojectv2'],
    ['the folder, leading - and _ dropped', '/tmp/_-x_1', {}, {}, 'x_1'],
    ['a folder with nothing left', '/tmp/...', {}, {}, 'default'],
    ['.env over the folder', '/home/ada/my-project', { COMPOSE_PROJECT_NAME: 'Stack_A' }, {}, 'stack_a'],
    ['the environment over .env', '/home/ada/my-project', { COMPOSE_PROJECT_NAME: 'stack-a' }, { COMPOSE_PROJECT_NAME: 'stack-b' }, 'stack-b'],
    ['an empty variable, as unset', '/home/ada/my-project', { COMPOSE_PROJECT_NAME: '' }, { COMPOSE_PROJECT_NAME: '' }, 'my-project'],
  ])('%s', (_, root, dotenv, env, expected) => {
    expect(composeProjectName({ root, dotenv }, env)).toBe(expected);
  });
});
