import { Blob as NodeBlob, File as NodeFile } from 'node:buffer';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// These tests start a real Roster server (and its embedded PGlite) inside the jsdom environment. PGlite
// reads its contrib extensions (pg_trgm, for member search) through Blob/File#arrayBuffer, which jsdom's
// own Blob and File lack: give the process Node's, which the components under test never notice.
globalThis.Blob = NodeBlob as unknown as typeof Blob;
globalThis.File = NodeFile as unknown as typeof File;

// An upper bound, not a timing assertion: waitFor polls until the real server has answered, and on a
// busy CI machine (two cores, other suites running) that can take longer than the default second.
configure({ asyncUtilTimeout: 60_000 });

// Unmount what each test rendered (Testing Library does this by itself only with vitest's globals):
// a hook left mounted keeps its queries refetching, and React would still be rendering after the file's
// environment is gone ("window is not defined").
afterEach(() => {
  cleanup();
});
