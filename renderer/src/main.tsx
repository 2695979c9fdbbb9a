import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connect } from './rpc';
import './styles.css';

const connection = connect();
createRoot(document.getElementById('root')!).render(<App connection={connection} />);
