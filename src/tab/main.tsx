import { createRoot } from 'react-dom/client';
import { App } from './app';
import { connectHost } from './host';

/** Entry point: connect to Teams (or the dev token), then render. */
void connectHost().then((host) => {
  createRoot(document.getElementById('root')!).render(<App host={host} />);
});
