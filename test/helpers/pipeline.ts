/**
 * What the generated pipeline produces for each task, the configs it must
 * refuse, and its model server called over loopback HTTP: shared by the
 * scikit-learn and the PyTorch suites.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { freePort } from './ports.js';
import { python } from './python.js';

export type Task = 'regression' | 'classification';

interface Expectations {
  /** What etl logs when it writes the sample set. */
  sample: string;
  figures: string[];
  predictionColumns: string[];
  checkMetrics: (metrics: Record<string, number>) => void;
}

export const pipelineExpectations: Record<Task, Expectations> = {
  regression: {
    sample: 'Wrote the diabetes sample set (442 rows)',
    figures: ['predicted_vs_actual', 'residuals'],
    predictionColumns: ['predicted'],
    checkMetrics(metrics) {
      expect(Object.keys(metrics).sort()).toEqual(['mae', 'mse', 'r2', 'rmse']);
      expect(metrics.rmse).toBeCloseTo(Math.sqrt(metrics.mse!), 6);
      expect(metrics.r2).toBeGreaterThan(0.2);
    },
  },
  classification: {
    sample: 'Wrote the breast_cancer sample set (569 rows)',
    figures: ['confusion_matrix', 'roc_curve'],
    predictionColumns: ['predicted', 'probability_benign', 'probability_malignant'],
    checkMetrics(metrics) {
      expect(Object.keys(metrics).sort()).toEqual(['accuracy', 'f1', 'roc_auc']);
      expect(metrics.accuracy).toBeGreaterThan(0.9);
      expect(metrics.f1).toBeGreaterThan(0.85);
      expect(metrics.roc_auc).toBeGreaterThan(0.95);
    },
  },
};

/** Experiment files the schema refuses, with the message that must follow the file's name. */
export function refusedConfigs(framework: 'sklearn' | 'pytorch', task: Task): [string, string][] {
  const common: [string, string][] = [
    ['split:\n  test_size: "0.2"\n', 'split.test_size must be a number between 0 and 1, not "0.2"'],
    ['split:\n  test_size: 2\n', 'split.test_size must be a number between 0 and 1, not 2'],
    ['model:\n  tpye: mlp\n', "Unknown setting 'model.tpye'"],
    ['evaluation:\n  figures: [histogram]\n', 'evaluation.figures must be a list, each item one of'],
  ];
  if (framework === 'pytorch') {
    return [
      ...common,
      ['training:\n  epochs: 0\n', 'training.epochs must be a whole number of 1 or more, not 0'],
      ['model:\n  params:\n    dropout: -0.5\n', 'model.params.dropout must be a number of 0 or more and below 1, not -0.5'],
    ];
  }
  const params: [string, string] =
    task === 'classification'
      ? ['model:\n  params:\n    C: -1\n', 'model.params.C must be a number above 0, not -1']
      : ['model:\n  params:\n    alpha: -1\n', 'model.params.alpha must be a number of 0 or more, not -1'];
  return [...common, ['model:\n  scale_features: "no"\n', 'model.scale_features must be true or false, not "no"'], params];
}

/** The first rows of the project's test split as JSON rows, without the target. */
function testRows(dir: string, count: number): Record<string, number>[] {
  const [header, ...lines] = readFileSync(join(dir, 'data', 'processed', 'test.csv'), 'utf8').trim().split('\n');
  const columns = header!.split(',');
  return lines.slice(0, count).map((line) => {
    const values = line.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, Number(values[i])]).filter(([c]) => c !== 'target'));
  });
}

/**
 * Starts `python -m PACKAGE.serve` on a free port of 127.0.0.1 in a trained
 * project and calls it as a client would: /health, /predict, and a row with
 * a column missing (422 naming it). Stops it with SIGTERM.
 */
export async function checkServer(dir: string, packageName: string, task: Task): Promise<void> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.MLFLOW_TRACKING_URI;
  const server = spawn(python, ['-m', `${packageName}.serve`, '--port', String(port)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  try {
    // Polled until it answers, or until the server process ends (a bound, not a timing check).
    let health: Response | undefined;
    for (let attempt = 0; attempt < 600 && server.exitCode === null && !health; attempt++) {
      health = await fetch(`${url}/health`).catch(() => undefined);
      if (!health) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(health?.status, output).toBe(200);
    const state = (await health!.json()) as { status: string; columns: string[]; classes?: string[] };
    const rows = testRows(dir, 3);
    expect(state.status).toBe('ok');
    expect(state.columns).toEqual(Object.keys(rows[0]!));
    if (task === 'classification') expect(state.classes).toEqual(['benign', 'malignant']);

    const post = (body: unknown) => fetch(`${url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const answered = await post({ rows });
    expect(answered.status).toBe(200);
    const { predictions } = (await answered.json()) as { predictions: { prediction: unknown; probabilities?: Record<string, number> }[] };
    expect(predictions).toHaveLength(3);
    for (const { prediction, probabilities } of predictions) {
      if (task === 'classification') {
        expect(['benign', 'malignant']).toContain(prediction);
        expect(Object.values(probabilities!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      } else {
        expect(Number.isFinite(prediction)).toBe(true);
      }
    }

    const [missing, ...kept] = Object.keys(rows[0]!);
    const refused = await post({ rows: [rows[0], Object.fromEntries(kept.map((c) => [c, rows[1]![c]]))] });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({
      detail: [{ loc: ['body', 'rows', 1, missing], msg: `missing column ${missing}`, type: 'value_error' }],
    });
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}
