import { createRoot } from 'react-dom/client';
import { App } from './Members';

createRoot(document.getElementById('root')!).render(<App />);
