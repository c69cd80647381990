import { describe, expect, it } from 'vitest';
import {
  DEMO_LATENCY,
  generationDelayMs,
  ScriptController,
} from '../../../../src/demo/fakes/shared/script.ts';

describe('ScriptController', () => {
  it('uses the header script, then the queue, then the model script, then the default', () => {
    const control = new ScriptController();
    control.setModelScript('m', { reply: { content: 'model' } });
    control.enqueue({ reply: { content: 'queued' } }, 2);
    expect(control.next('m', { reply: { content: 'header' } })).toMatchObject({ source: 'header' });
    expect(control.next('m')).toMatchObject({ source: 'queue', reply: { content: 'queued' } });
    expect(control.next('other')).toMatchObject({ source: 'queue' });
    expect(control.pending).toBe(0);
    expect(control.next('m')).toMatchObject({ source: 'model', reply: { content: 'model' } });
    expect(control.next('other')).toMatchObject({ source: 'default', fault: undefined });
    control.clear();
    expect(control.next('m').source).toBe('default');
  });

  it('draws chaos faults reproducibly from the seed, at roughly the configured rate', () => {
    const chaos = {
      faultRate: 0.3,
      faults: [{ fault: { kind: 'reset' as const }, weight: 3 }, { fault: { kind: 'stall' as const } }],
    };
    const draw = (seed: number): string[] => {
      const control = new ScriptController({ seed, chaos });
      return Array.from({ length: 1000 }, () => control.next('m').fault?.kind ?? 'none');
    };
    const first = draw(11);
    expect(draw(11)).toEqual(first);
    expect(draw(12)).not.toEqual(first);
    const faults = first.filter((k) => k !== 'none');
    expect(faults.length).toBeGreaterThan(200);
    expect(faults.length).toBeLessThan(400);
    expect(faults.filter((k) => k === 'reset').length).toBeGreaterThan(
      faults.filter((k) => k === 'stall').length,
    );
  });

  it('has zero latency by default and draws demo latency within its ranges', () => {
    expect(new ScriptController().next().firstByteMs).toBe(0);
    const control = new ScriptController({ latency: DEMO_LATENCY, seed: 3 });
    for (let i = 0; i < 50; i++) {
      const script = control.next();
      expect(script.firstByteMs).toBeGreaterThanOrEqual(150);
      expect(script.firstByteMs).toBeLessThanOrEqual(400);
      const interval = script.tokenIntervalMs();
      expect(interval).toBeGreaterThanOrEqual(15);
      expect(interval).toBeLessThanOrEqual(40);
    }
  });

  it('lets a script fix its own latency', () => {
    const control = new ScriptController({ latency: DEMO_LATENCY });
    control.enqueue({ firstByteMs: 5, tokenIntervalMs: 2 });
    const script = control.next();
    expect(script.firstByteMs).toBe(5);
    expect(generationDelayMs(script, 10)).toBe(25);
  });
});
