import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TASKS, isTaskId, systemPromptFor, TASK_IDS } from '../../src/agent/tasks';

describe('tasks', () => {
  it('has a distinct default prompt for every task', () => {
    const prompts = TASK_IDS.map((id) => systemPromptFor(id));
    assert.equal(new Set(prompts).size, TASK_IDS.length);
    assert.match(systemPromptFor('refactor'), /propose_edit/);
  });

  it('lets the user override a prompt, ignoring blank overrides', () => {
    assert.equal(systemPromptFor('explain', { explain: '  Explain like I am five.  ' }), 'Explain like I am five.');
    assert.equal(systemPromptFor('explain', { explain: '   ' }), DEFAULT_TASKS.explain.systemPrompt);
    assert.equal(systemPromptFor('bugs', { explain: 'x' }), DEFAULT_TASKS.bugs.systemPrompt);
  });

  it('recognises task ids', () => {
    assert.equal(isTaskId('tests'), true);
    assert.equal(isTaskId('deploy'), false);
  });
});
