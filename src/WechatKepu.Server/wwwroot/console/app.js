// 科普日管理后台: a small hash-routed page over /api/console. No framework and no bundler: the pages are forms and
// tables, each an ES module under pages/, calling the API through api.js and sharing the helpers of lib.js.
import * as api from './api.js';
import { state, h, view, guard, startRouter, ROLES } from './lib.js';
import { loginPage } from './pages/login.js';
import { dashboardPage } from './pages/dashboard.js';
import { activitiesPage } from './pages/activities.js';
import { sessionPage } from './pages/session.js';
import { checkinPage } from './pages/checkin.js';
import { eventDayPage } from './pages/eventday.js';
import { chartsPage } from './pages/charts.js';
import { followersPage } from './pages/followers.js';
import { broadcastsPage, broadcastPage } from './pages/broadcasts.js';
import { articlesPage } from './pages/articles.js';
import { topicsPage } from './pages/topics.js';
import { templatesPage } from './pages/templates.js';
import { repliesPage } from './pages/replies.js';
import { wechatMenuPage } from './pages/menu.js';
import { postersPage } from './pages/posters.js';
import { auditPage } from './pages/audit.js';
import { staffPage } from './pages/staff.js';
import { summariesPage, summaryPage, awardsPage, summaryBanner } from './pages/summaries.js';

const routes = [
  [/^#\/dashboard$/, dashboardPage],
  [/^#\/activities$/, activitiesPage],
  [/^#\/session\/(\d+)$/, (p, id) => sessionPage(id)],
  [/^#\/checkin$/, checkinPage],
  [/^#\/today$/, eventDayPage],
  [/^#\/charts$/, chartsPage],
  [/^#\/followers$/, followersPage],
  [/^#\/broadcasts$/, broadcastsPage],
  [/^#\/broadcast\/(\d+)$/, (p, id) => broadcastPage(id)],
  [/^#\/templates$/, templatesPage],
  [/^#\/articles$/, articlesPage],
  [/^#\/topics$/, topicsPage],
  [/^#\/replies$/, repliesPage],
  [/^#\/menu$/, wechatMenuPage],
  [/^#\/posters$/, postersPage],
  [/^#\/audit$/, auditPage],
  [/^#\/staff$/, staffPage],
  [/^#\/summaries$/, summariesPage],
  [/^#\/summary\/(\d+)\/(\d+)$/, (p, c, a) => summaryPage(p, c, a)],
  [/^#\/awards\/(\d+)$/, (p, c) => awardsPage(p, c)],
];

// Loads who is signed in (once) and shows the header for them; false when nobody is (the API has gone to #/login).
async function signedIn(path) {
  if (!state.me) {
    try { state.me = await api.me(); await api.refreshToken(); } catch { return false; }
  }
  document.getElementById('top').hidden = false;
  document.getElementById('whoami').textContent = `${state.me.displayName}（${ROLES[state.me.role] || state.me.role}${state.me.unit ? '·' + state.me.unit : ''}）`;
  document.querySelectorAll('[data-role=admin]').forEach(a => { a.hidden = state.me.role !== 'admin'; });
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', path.startsWith(a.getAttribute('href').split('?')[0])));
  document.getElementById('nav').classList.remove('open');
  summaryBanner();
  return true;
}

function pageError(err) {
  if (err.status !== 401) view('出错了', h('p', { class: 'error' }, err.message));
}

document.getElementById('logout').addEventListener('click', guard(async () => {
  await api.logout();
  state.me = null;
  state.token = null;
  location.hash = '#/login';
}));
document.getElementById('menu-toggle').addEventListener('click', () => document.getElementById('nav').classList.toggle('open'));
startRouter({ routes, login: loginPage, signedIn, error: pageError });
