import { CommitEvent, CommitListeners } from './commit-listeners';

describe('CommitListeners', () => {
  it('tells every listener of each commit, in the order they were added, even after one throws', () => {
    const commits = new CommitListeners();
    const heard: string[] = [];
    commits.add((e) => heard.push(`a ${e.kind}`));
    commits.add(() => {
      throw new Error('a broken metric');
    });
    commits.add((e) => heard.push(`c ${e.kind} ${e.seconds}`));
    const event: CommitEvent = { kind: 'claims', seconds: 0.002 };
    expect(() => commits.emit(event)).not.toThrow();
    commits.emit({ kind: 'decisions', seconds: 0.5 });
    expect(heard).toEqual(['a claims', 'c claims 0.002', 'a decisions', 'c decisions 0.5']);
  });
});
