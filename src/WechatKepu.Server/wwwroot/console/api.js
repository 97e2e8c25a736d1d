// One function per endpoint of /api/console the console calls, so pages never spell URLs themselves
// (like the mini-program's utils/api.js). Writes carry the antiforgery token; a 401 sends the browser to sign-in.
import { state } from './lib.js';

const enc = encodeURIComponent;
const C = '/api/console';

export class ApiError extends Error {
  constructor(status, problem) {
    const fields = problem && problem.errors ? Object.values(problem.errors).flat().join('；') : '';
    super([problem && problem.title, problem && problem.detail, fields].filter(Boolean).join('：') || `请求失败（${status}）`);
    this.status = status;
    this.problem = problem;
  }
}

export async function refreshToken() {
  const r = await fetch(`${C}/antiforgery`, { credentials: 'same-origin' });
  state.token = (await r.json()).token;
}

export async function request(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    if (!state.token) await refreshToken();
    headers['X-CSRF-TOKEN'] = state.token;
  }
  // A FormData body (files) goes as multipart/form-data, with the boundary the browser sets.
  const form = typeof FormData !== 'undefined' && body instanceof FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  const r = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : form ? body : JSON.stringify(body) });
  if (r.status === 401 && !url.endsWith('/login')) { state.me = null; location.hash = '#/login'; throw new ApiError(401, { title: '请先登录' }); }
  if (r.status === 204) return null;
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new ApiError(r.status, json);
  return json;
}

const get = url => request('GET', url);
const query = params => new URLSearchParams(Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString();

// Staff accounts and units
export const login = credentials => request('POST', `${C}/login`, credentials);
export const logout = () => request('POST', `${C}/logout`);
export const me = () => get(`${C}/me`);
export const listStaff = () => get(`${C}/staff`);
export const createStaff = body => request('POST', `${C}/staff`, body);
export const listUnits = () => get(`${C}/units`);
export const addUnit = name => request('POST', `${C}/units`, { name });

// Dashboard, activities and sessions
export const dashboard = () => get(`${C}/dashboard`);
export const listActivities = params => get(`${C}/activities${params ? '?' + query(params) : ''}`);
export const createActivity = body => request('POST', `${C}/activities`, body);
export const updateActivity = (id, body) => request('PUT', `${C}/activities/${enc(id)}`, body);
export const activityFilingUrl = params => `${C}/activities/filing.xlsx?${query(params)}`;
export const activityExportUrl = id => `${C}/activities/${enc(id)}/export.xlsx`;
export const removeSampleSessions = () => request('POST', `${C}/sample-sessions/remove`, {});
export const createSession = (activityId, body) => request('POST', `${C}/activities/${enc(activityId)}/sessions`, body);
export const sessionCalendar = params => get(`${C}/calendar?${query(params)}`);
export const getSession = id => get(`${C}/sessions/${enc(id)}`);
export const updateSession = (id, body) => request('PUT', `${C}/sessions/${enc(id)}`, body);
export const cancelSession = (id, reason) => request('POST', `${C}/sessions/${enc(id)}/cancel`, { reason });
export const sessionSignups = id => get(`${C}/sessions/${enc(id)}/signups`);
export const sessionEvents = id => get(`${C}/sessions/${enc(id)}/events`);
export const sessionNotices = id => get(`${C}/sessions/${enc(id)}/notices`);
export const sessionExportUrl = id => `${C}/sessions/${enc(id)}/export.xlsx`;
export const checkIn = (code, confirm) => request('POST', `${C}/checkin`, confirm ? { code, confirm: true } : { code });
export const eventDay = date => get(`${C}/event-day${date ? '?date=' + enc(date) : ''}`);
export const checkInSignup = (signupId, confirm) => request('POST', `${C}/signups/${enc(signupId)}/checkin`, confirm ? { confirm: true } : {});

// Followers and broadcasts
export const listFollowers = params => get(`${C}/followers?${new URLSearchParams(params)}`);
export const listBroadcasts = () => get(`${C}/broadcasts`);
export const createBroadcast = body => request('POST', `${C}/broadcasts`, body);
export const getBroadcast = id => get(`${C}/broadcasts/${enc(id)}`);
/** action: preview, schedule, confirm or cancel. */
export const templateLibrary = () => get(`${C}/templates`);
export const broadcastTags = () => get(`${C}/broadcasts/tags`);
export const broadcastQuota = () => get(`${C}/broadcasts/quota`);
export const listMedia = (purpose, appId) => get(`${C}/media?${query({ purpose, appId })}`);
export const listArticles = () => get(`${C}/articles`);
export const getArticle = id => get(`${C}/articles/${enc(id)}`);
export const createArticle = body => request('POST', `${C}/articles`, body);
export const publishArticle = id => request('POST', `${C}/articles/${enc(id)}/publish`, {});

// An image as multipart/form-data (purpose body | cover); the server checks its bytes and size before WeChat sees it.
export function uploadMedia(purpose, file, appId) {
  const form = new FormData();
  form.append('purpose', purpose);
  if (appId) form.append('appId', appId);
  form.append('file', file);
  return request('POST', `${C}/media`, form);
}
export const broadcastAction = (id, action, body) => request('POST', `${C}/broadcasts/${enc(id)}/${action}`, body);

// Template library (both accounts' template lists, synced from WeChat)
export const listTemplates = params => get(`${C}/templates${params ? '?' + query(params) : ''}`);
export const getTemplate = id => get(`${C}/templates/${enc(id)}`);
export const syncTemplates = appId => request('POST', `${C}/templates/sync`, { appId: appId || null });
export const previewTemplate = (id, data) => request('POST', `${C}/templates/${enc(id)}/preview`, { data });

// Reminder topics and notice templates
export const listTopics = () => get(`${C}/topics`);
export const topicFieldSources = () => get(`${C}/topics/field-sources`);
export const createTopic = body => request('POST', `${C}/topics`, body);
export const previewTopic = body => request('POST', `${C}/topics/preview`, body);
export const updateTopic = (id, body) => request('PUT', `${C}/topics/${enc(id)}`, body);
export const addTopicRound = (id, body) => request('POST', `${C}/topics/${enc(id)}/rounds`, body);
export const cancelTopicRound = (id, roundId) => request('DELETE', `${C}/topics/${enc(id)}/rounds/${enc(roundId)}`);
export const listNoticeTemplates = () => get(`${C}/notice-templates`);
export const saveNoticeTemplate = (purpose, channel, fields) => request('PUT', `${C}/notice-templates/${enc(purpose)}/${enc(channel)}`, fields);

// Official account: replies, menu, poster codes
export const replyAccounts = () => get(`${C}/replies/accounts`);
export const replyRules = appId => get(`${C}/replies/${enc(appId)}/rules`);
export const createReplyRule = (appId, body) => request('POST', `${C}/replies/${enc(appId)}/rules`, body);
export const updateReplyRule = (appId, id, body) => request('PUT', `${C}/replies/${enc(appId)}/rules/${enc(id)}`, body);
export const deleteReplyRule = (appId, id) => request('DELETE', `${C}/replies/${enc(appId)}/rules/${enc(id)}`);
export const replySettings = appId => get(`${C}/replies/${enc(appId)}/settings`);
export const saveReplySettings = (appId, body) => request('PUT', `${C}/replies/${enc(appId)}/settings`, body);
export const menuOptions = () => get(`${C}/menu/options`);
export const getMenu = appId => get(`${C}/menu/${enc(appId)}`);
export const publishMenu = (appId, buttons) => request('PUT', `${C}/menu/${enc(appId)}`, { buttons });
export const deleteMenu = appId => request('DELETE', `${C}/menu/${enc(appId)}`);
export const listPosters = () => get(`${C}/posters`);
export const createPoster = body => request('POST', `${C}/posters`, body);

// Reports
export const charts = params => get(`${C}/reports/charts?${query(params)}`);

// Audit log
export const auditLog = limit => get(`${C}/audit?limit=${enc(limit)}`);

// Activity summaries (section 七 of the plan): campaigns and deadlines, filing with photos, units not filed, reminders, workbook
export const summaryCampaigns = () => get(`${C}/summaries/campaigns`);
export const updateSummaryCampaign = (id, body) => request('PUT', `${C}/summaries/campaigns/${enc(id)}`, body);
export const summaryActivities = campaignId => get(`${C}/summaries/campaigns/${enc(campaignId)}/activities`);
export const summaryActivity = (campaignId, activityId) => get(`${C}/summaries/campaigns/${enc(campaignId)}/activities/${enc(activityId)}`);
/** formData: heldFrom, heldTo, participants (where not counted), text, keepPhotoIds (repeated), photos (files). */
export const fileSummary = (campaignId, activityId, formData) => request('PUT', `${C}/summaries/campaigns/${enc(campaignId)}/activities/${enc(activityId)}`, formData);
export const summaryUnits = campaignId => get(`${C}/summaries/campaigns/${enc(campaignId)}/units`);
export const remindSummaryUnits = campaignId => request('POST', `${C}/summaries/campaigns/${enc(campaignId)}/remind`);
export const summariesDue = () => get(`${C}/summaries/due`);
export const summaryExportUrl = campaignId => `${C}/summaries/campaigns/${enc(campaignId)}/export.xlsx`;
