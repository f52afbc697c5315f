// The console shell: hash routes, the token panel, the health pill and the user search.
// Each page module exports render(container, params, context) and may return a cleanup
// function (timers, pending requests) that runs when the operator navigates away.
import { onAuthProblem, setToken, token } from './api.js';
import { h, replaceChildren } from './dom.js';
import { errorNotice } from './ui.js';
import * as overview from './pages/overview.js';
import * as users from './pages/user.js';
import * as agents from './pages/agents.js';
import * as groups from './pages/groups.js';
import * as settlements from './pages/settlements.js';

const routes = [
  { pattern: /^\/?$/, page: overview, nav: 'overview' },
  { pattern: /^\/overview$/, page: overview, nav: 'overview' },
  { pattern: /^\/users(?:\/([^/]+))?$/, page: users, nav: 'users', params: ['userId'] },
  { pattern: /^\/agents(?:\/([^/]+))?$/, page: agents, nav: 'agents', params: ['userId'] },
  { pattern: /^\/groups(?:\/([^/]+))?$/, page: groups, nav: 'groups', params: ['groupId'] },
  { pattern: /^\/settlements(?:\/([^/]+))?$/, page: settlements, nav: 'settlements', params: ['settlementId'] },
];

const main = document.getElementById('main');
const tokenPanel = document.getElementById('token-panel');
const tokenNote = document.getElementById('token-note');
let cleanup = null;
let hintsPromise = null;

/** Demo shortcuts (chain root, heavy bettors); null outside the demo. */
function hints() {
  hintsPromise ??= fetch('./demo.json')
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null);
  return hintsPromise;
}

async function route() {
  if (typeof cleanup === 'function') {
    try {
      cleanup();
    } catch {
      /* a page's cleanup must not block navigation */
    }
  }
  cleanup = null;
  const path = decodeURIComponent(location.hash.replace(/^#/, '').split('?')[0] ?? '');
  const match = routes
    .map((candidate) => ({ candidate, found: candidate.pattern.exec(path) }))
    .find((entry) => entry.found !== null);
  for (const link of document.querySelectorAll('#nav a'))
    link.classList.toggle('active', match?.candidate.nav === link.dataset.page);
  if (!match) {
    replaceChildren(
      main,
      h('div', { class: 'notice' }, `No page at ${path}. `, h('a', { href: '#/overview' }, 'Go to the overview')),
    );
    return;
  }
  const params = {};
  (match.candidate.params ?? []).forEach((name, index) => {
    const value = match.found[index + 1];
    if (value !== undefined) params[name] = value;
  });
  const container = h('div', { class: 'page', dataset: { page: match.candidate.nav } });
  replaceChildren(main, container);
  try {
    cleanup = await match.candidate.page.render(container, params, { hints, navigate });
  } catch (error) {
    replaceChildren(container, errorNotice(error));
  }
}

export function navigate(hash) {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function showTokenPanel(note) {
  tokenPanel.hidden = false;
  tokenNote.textContent =
    note ?? (token() ? 'A token is set for this tab.' : 'No token set: requests go without Authorization.');
  document.getElementById('token-input').focus();
}

function updateTokenButton() {
  document.getElementById('token-button').textContent = token() ? 'token ✓' : 'token';
}

async function pollHealth() {
  const pill = document.getElementById('health');
  try {
    const response = await fetch('/health');
    const body = await response.json();
    pill.textContent = body.status === 'ok' ? 'healthy' : body.status;
    pill.className = `pill ${body.status === 'ok' ? 'pill-good' : 'pill-bad'}`;
    pill.title = (body.dependencies ?? [])
      .map((dependency) => `${dependency.name} (${dependency.backend}): ${dependency.status}`)
      .join('\n');
    document.getElementById('footer-version').textContent = body.version ? `v${body.version}` : '';
  } catch {
    pill.textContent = 'unreachable';
    pill.className = 'pill pill-bad';
  }
}

document.getElementById('token-button').addEventListener('click', () => {
  if (tokenPanel.hidden) showTokenPanel();
  else tokenPanel.hidden = true;
});
document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('token-input');
  setToken(input.value.trim());
  input.value = '';
  tokenPanel.hidden = true;
  updateTokenButton();
  void route();
});
document.getElementById('token-clear').addEventListener('click', () => {
  setToken(null);
  updateTokenButton();
  showTokenPanel('Token forgotten.');
});
document.getElementById('user-search').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('user-search-input');
  const userId = input.value.trim();
  if (/^\d{1,20}$/.test(userId)) navigate(`#/users/${userId}`);
  else input.setCustomValidity('a user id is a decimal number');
  input.reportValidity();
  input.setCustomValidity('');
});
onAuthProblem((error) => {
  showTokenPanel(
    error.status === 401
      ? 'This server needs an admin token for /v1.'
      : 'The token was refused (403). Enter the right one.',
  );
});

window.addEventListener('hashchange', () => void route());
updateTokenButton();
void pollHealth();
setInterval(() => void pollHealth(), 10_000);
void route();
