import { Listeners } from './listeners';

describe('Listeners', () => {
  it('tells every listener of each event, in the order they were added, even after one throws', () => {
    const listeners = new Listeners<{ kind: string; seconds: number }>();
    const heard: string[] = [];
    listeners.add((e) => heard.push(`a ${e.kind}`));
    listeners.add(() => {
      throw new Error('a broken metric');
    });
    listeners.add((e) => heard.push(`c ${e.kind} ${e.seconds}`));
    expect(() => listeners.emit({ kind: 'claims', seconds: 0.002 })).not.toThrow();
    listeners.emit({ kind: 'decisions', seconds: 0.5 });
    expect(heard).toEqual(['a claims', 'c claims 0.002', 'a decisions', 'c decisions 0.5']);
  });
});
