import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// An upper bound, not a timing assertion: waitFor polls until the real server has answered, and on a
// busy CI machine (two cores, other suites running) that can take longer than the default second.
configure({ asyncUtilTimeout: 60_000 });

// Unmount what each test rendered (Testing Library does this by itself only with vitest's globals):
// a hook left mounted keeps its queries refetching, and React would still be rendering after the file's
// environment is gone ("window is not defined").
afterEach(() => {
  cleanup();
});
