// Entry of the web monitor: styles (xterm's own, then the page's) and the root component.
import '@xterm/xterm/css/xterm.css';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('orchflow monitor: #app is missing from index.html');
mount(App, { target });
