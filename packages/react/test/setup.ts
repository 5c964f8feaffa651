import { configure } from '@testing-library/react';

// An upper bound, not a timing assertion: waitFor polls until the real server has answered, and on a
// busy CI machine (two cores, other suites running) that can take longer than the default second.
configure({ asyncUtilTimeout: 15_000 });
