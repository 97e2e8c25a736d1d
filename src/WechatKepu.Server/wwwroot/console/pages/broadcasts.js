import * as api from '../api.js';
import { state, h, view, when, badge, field, formValues, guard, toast, can, route, fromLocalInput } from '../lib.js';
import { imagePicker } from './articles.js';

/** Who a broadcast goes to, by name: <names> maps tag and topic ids to what staff chose them by. */
export function audienceLabel(b, names = {}) {
  const name = (names[b.audience] || {})[b.audienceRef];
  return { all: '全部关注者', tag: `标签“${name || b.audienceRef}”`, topic: `提醒主题“${name || b.audienceRef}”`,
    session: name ? `场次“${name}”的家长` : `场次 #${b.audienceRef} 的家长` }[b.audience];
}

/** Tag and topic names by id, for labels (empty when WeChat or the list cannot be read). */
async function audienceNames() {
  const [tags, topics] = await Promise.all([api.broadcastTags().catch(() => []), api.listTopics().catch(() => [])]);
  const topicList = Array.isArray(topics) ? topics : topics.topics || [];
  return { tag: Object.fromEntries(tags.map(t => [t.id, t.name])), topic: Object.fromEntries(topicList.map(t => [t.id, t.name])) };
}

const KINDS = [['text', '文字'], ['mpnews', '图文'], ['image', '图片'], ['template', '模板消息'], ['news', '图文链接']];
const KIND_NAMES = Object.fromEntries(KINDS);
// 图文 and images go only by mass send (all followers or a tag); template messages and text reach any audience.
const MASS_ONLY = ['mpnews', 'image'];

const options = (items, value, label) => items.map(i => h('option', { value: value(i) }, label(i)));

/** The audience, chosen from lists: WeChat's tags by name, topics by name, sessions found by activity title and date. */
async function audiencePicker() {
  const [tags, topics] = await Promise.all([api.broadcastTags().catch(() => []), api.listTopics().catch(() => [])]);
  const audience = h('select', { name: 'audience', id: 'bc-audience' },
    options([['all', '全部关注者'], ['tag', '某个标签'], ['topic', '提醒主题的订阅者'], ['session', '某场次的家长']], x => x[0], x => x[1]));
  const tag = h('select', { id: 'bc-tag' }, options(tags, t => t.id, t => `${t.name}（${t.count ?? 0} 人）`));
  const topicList = Array.isArray(topics) ? topics : topics.topics || [];
  const topic = h('select', { id: 'bc-topic' }, options(topicList, t => t.id, t => t.name));
  const sessionQuery = h('input', { id: 'bc-session-q', placeholder: '活动名称，如 科学荟' });
  const sessionDate = h('input', { id: 'bc-session-date', type: 'date' });
  const session = h('select', { id: 'bc-session' }, h('option', { value: '' }, '先搜索活动'));
  const findSessions = guard(async () => {
    const { items } = await api.listActivities({ q: sessionQuery.value.trim(), pageSize: 50 });
    const day = sessionDate.value;
    const found = items.flatMap(a => (a.sessions || []).map(s => ({ a, s })))
      // The day as Shanghai sees it (UTC+8, no daylight saving).
      .filter(({ s }) => !day || new Date(Date.parse(s.startsAt) + 8 * 3600e3).toISOString().slice(0, 10) === day);
    session.replaceChildren(...(found.length ? found.map(({ a, s }) => h('option', { value: s.id }, `${a.shortName || a.title} · ${s.title || ''} · ${when(s.startsAt)} · ${s.venue || ''}`))
      : [h('option', { value: '' }, '没有找到场次')]));
  });
  const parts = {
    tag: field('标签', tag),
    topic: field('提醒主题', topic),
    session: h('div', { class: 'fields' }, field('活动名称', sessionQuery), field('日期', sessionDate),
      h('button', { type: 'button', class: 'ghost', id: 'bc-session-find', onclick: findSessions }, '搜索场次'), field('场次', session)),
  };
  const show = () => Object.entries(parts).forEach(([k, el]) => { el.hidden = audience.value !== k; });
  audience.addEventListener('change', show);
  show();
  const value = () => ({ audience: audience.value, audienceRef: { tag, topic, session }[audience.value] ? Number({ tag, topic, session }[audience.value].value) || null : null });
  return { audience, parts: Object.values(parts), value };
}

/** A template chosen by its title from the synced library, with one input per field it shows (WeChat's limit as maxlength). */
function templatePicker(library) {
  const usable = (library.templates || []).filter(t => t.channel === 'oa_template' && !t.gone);
  const select = h('select', { id: 'bc-template' }, h('option', { value: '' }, usable.length ? '选择模板' : '模板库为空：请先在“提醒主题”同步模板'),
    options(usable, t => t.id, t => t.title));
  const inputs = h('div', { class: 'fields', id: 'bc-template-fields' });
  select.addEventListener('change', () => {
    const t = usable.find(x => String(x.id) === select.value);
    inputs.replaceChildren(...(t ? t.fields.filter(f => f.shown).map(f =>
      field(`${f.label}（${f.kindName}，${f.rule}）`, h('input', { 'data-key': f.key, maxlength: f.max, required: true }))) : []));
  });
  const value = () => {
    const t = usable.find(x => String(x.id) === select.value);
    return t ? { templateId: t.templateId, data: Object.fromEntries([...inputs.querySelectorAll('input')].map(i => [i.dataset.key, i.value.trim()])) } : null;
  };
  return { el: h('div', {}, field('模板（按标题选择）', select), inputs), value };
}

export async function broadcastsPage(params) {
  const [list, articles, images, library, quota, names, menuOptions] = await Promise.all([api.listBroadcasts(), api.listArticles(), api.listMedia('cover'),
    api.templateLibrary().catch(() => ({ templates: [] })), api.broadcastQuota().catch(() => null), audienceNames(), api.menuOptions().catch(() => ({ pages: [] }))]);
  // The same list of mini-program pages as the menu editor (pages that open without a query), never a typed path.
  const miniPages = menuOptions.pages || [];
  const kind = h('select', { name: 'kind', id: 'bc-kind' }, options(KINDS, k => k[0], k => k[1]));
  const picker = await audiencePicker();
  const template = templatePicker(library);
  const article = h('select', { id: 'bc-article' }, options(articles, a => a.id, a => a.title));
  const image = h('select', { id: 'bc-image' }, options(images, i => i.id, i => i.fileName));
  const parts = {
    text: h('div', {}, field('文字内容', h('textarea', { name: 'text', maxlength: 600 }))),
    mpnews: h('div', { class: 'fields' }, field('图文（在“图文”页编写并保存）', article)),
    image: h('div', { class: 'fields' }, field('图片', image),
      field('或上传新图片', imagePicker('cover', 'bc-image-upload', a => { image.prepend(h('option', { value: a.id, selected: true }, a.fileName)); toast('图片已上传'); }))),
    template: template.el,
    news: h('div', { class: 'fields' }, field('图文标题', h('input', { name: 'newsTitle' })), field('摘要', h('input', { name: 'newsDescription' })), field('链接', h('input', { name: 'newsUrl', placeholder: 'https://' }))),
  };
  const page = field('点击打开的小程序页面（可选）', h('select', { name: 'page' },
    h('option', { value: '' }, '不打开小程序'), miniPages.map(p => h('option', { value: p.value }, p.label))));
  const onKind = () => {
    Object.entries(parts).forEach(([k, el]) => { el.hidden = k !== kind.value; });
    page.hidden = MASS_ONLY.includes(kind.value);
    // 图文 and images go by mass send only: the audience list offers what WeChat allows.
    [...picker.audience.options].forEach(o => { o.disabled = MASS_ONLY.includes(kind.value) && !['all', 'tag'].includes(o.value); });
    if (picker.audience.selectedOptions[0]?.disabled) { picker.audience.value = 'all'; picker.audience.dispatchEvent(new Event('change')); }
  };
  kind.addEventListener('change', onKind);
  if (params && params.get('article')) { kind.value = 'mpnews'; article.value = params.get('article'); }
  onKind();
  const form = h('form', { class: 'stack card', id: 'broadcast-form' },
    h('div', { class: 'fields' }, field('群发标题（仅后台可见）', h('input', { name: 'title', required: true, maxlength: 64 })), field('类型', kind), field('发送对象', picker.audience)),
    ...picker.parts, ...Object.values(parts), page,
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'bc-save' }, '下一步：保存草稿并检查')));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    const body = { title: v.title, kind: v.kind, ...picker.value(), page: MASS_ONLY.includes(v.kind) ? null : v.page || null };
    if (v.kind === 'text') body.text = v.text;
    if (v.kind === 'news') body.news = { title: v.newsTitle, description: v.newsDescription, url: v.newsUrl };
    if (v.kind === 'mpnews') body.articleId = Number(article.value) || null;
    if (v.kind === 'image') body.imageId = Number(image.value) || null;
    if (v.kind === 'template') body.template = template.value() || { templateId: null, data: {} };
    const b = await api.createBroadcast(body);
    toast('草稿已保存：请检查送达情况，预览后再确认发送');
    location.hash = `#/broadcast/${b.id}`;
  }));
  view('群发',
    can('organiser') ? form : null,
    h('p', { class: 'muted', id: 'bc-quota' }, quota ? quota.summary : '', ' 组织者发给全部关注者、标签或主题的群发需管理员确认；其他对象逐个发送，结果实时显示。'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'broadcasts' },
      h('tr', {}, h('th', {}, '标题'), h('th', {}, '类型'), h('th', {}, '对象'), h('th', {}, '状态'), h('th', {}, '计划时间'), h('th', {}, '创建人')),
      list.map(b => h('tr', {}, h('td', {}, h('a', { href: `#/broadcast/${b.id}` }, b.title)), h('td', {}, KIND_NAMES[b.kind] || b.kind), h('td', {}, audienceLabel(b, names)),
        h('td', {}, badge(b.status)), h('td', {}, when(b.scheduledAt)), h('td', {}, b.createdByName))))));
}

export async function broadcastPage(id) {
  const [{ broadcast: b, recipientList, delivery: d, unreachable, forecast: fc }, names] = await Promise.all([api.getBroadcast(id), audienceNames()]);
  // Names, not ids: the session by its title and time, a template by its title and field labels.
  if (b.audience === 'session') {
    const s = await api.getSession(b.audienceRef).catch(() => null);
    if (s) names.session = { [b.audienceRef]: `${s.title || ''} ${when(s.startsAt)}`.trim() };
  }
  const tpl = b.kind === 'template' ? ((await api.templateLibrary().catch(() => ({ templates: [] }))).templates || [])
    .find(t => t.templateId === b.content.template.templateId) : null;
  const at = h('input', { type: 'datetime-local', id: 'bc-at' });
  const act = (label, path, body, cls, idAttr) => h('button', { class: cls || '', id: idAttr, onclick: guard(async () => {
    const r = await api.broadcastAction(id, path, typeof body === 'function' ? body() : body);
    // Say what actually happened: an organiser's mass send is not sent but waits for an admin.
    toast(r && r.status === 'awaiting_confirmation' ? '已提交，等待管理员确认后才会发送'
      : r && r.status === 'scheduled' && path !== 'preview' ? `已安排发送（${when(r.scheduledAt)}）` : `${label}：成功`);
    route();
  }) }, label);
  const beforeSending = ['draft', 'scheduled', 'awaiting_confirmation'].includes(b.status);
  const content = b.kind === 'text' ? b.content.text : b.kind === 'news' ? `${b.content.news.title} ${b.content.news.url}`
    : b.kind === 'mpnews' ? `图文《${b.content.article.title}》` : b.kind === 'image' ? h('img', { src: b.content.image.url, class: 'thumb', alt: '' })
    : tpl ? `模板《${tpl.title}》：${tpl.fields.filter(f => f.key in b.content.template.data).map(f => `${f.label}：${b.content.template.data[f.key]}`).join('；')}`
    : `${b.content.template.templateId} ${JSON.stringify(b.content.template.data)}`;
  view(`群发：${b.title}`,
    h('div', { class: 'card' },
      h('div', {}, '状态：', h('span', { id: 'bc-status' }, badge(b.status)), b.error ? h('span', { class: 'error' }, ' ' + b.error) : ''),
      h('div', {}, `对象：${audienceLabel(b, names)}；类型：${KIND_NAMES[b.kind] || b.kind}`),
      h('div', { class: 'muted' }, content),
      h('div', {}, `计划：${when(b.scheduledAt)}；开始：${when(b.startedAt)}；结束：${when(b.finishedAt)}`),
      b.msgId ? h('div', {}, `微信 msg_id ${b.msgId}`, b.sentCount !== null ? `；微信回报：共 ${b.totalCount}，过滤后 ${b.filterCount}，成功 ${b.sentCount}，失败 ${b.errorCount}` : '；等待微信回报发送结果') : null,
      d ? h('div', { id: 'bc-delivery' }, `投递（模板消息）：成功 ${d.sent}，失败 ${d.failed}，待发 ${d.pending}，共 ${d.total}`,
        h('div', { class: 'bar' }, h('i', { style: `width:${d.total ? 100 * (d.sent + d.failed) / d.total : 0}%` })),
        d.failures.length ? h('div', { class: 'muted' }, d.failures.map(f => `${f.openId || f.recipient}：${f.errcode ?? ''} ${f.errmsg || ''}`).join('；')) : null) : null,
      b.recipients ? h('div', { id: 'bc-progress' }, `逐个发送：成功 ${b.recipientsSent}，失败 ${b.recipientsFailed}，共 ${b.recipients}`,
        h('div', { class: 'bar' }, h('i', { style: `width:${b.recipients ? 100 * (b.recipientsSent + b.recipientsFailed) / b.recipients : 0}%` }))) : null,
      h('div', { class: 'actions' },
        b.status === 'draft' && can('organiser') ? act('预览到我的微信', 'preview', undefined, 'ghost', 'bc-preview') : null,
        b.status === 'draft' && can('organiser') ? act('立即发送', 'schedule', {}, '', 'bc-send-now') : null,
        b.status === 'draft' && can('organiser') ? h('span', { class: 'inline' }, at, act('定时发送', 'schedule', () => ({ at: fromLocalInput(at.value) }), 'ghost', 'bc-schedule')) : null,
        b.status === 'awaiting_confirmation' && state.me.role === 'admin' ? act('确认发送', 'confirm', undefined, '', 'bc-confirm') : null,
        ['draft', 'scheduled', 'awaiting_confirmation'].includes(b.status) && can('organiser') ? act('取消', 'cancel', undefined, 'danger', 'bc-cancel') : null)),
    // The confirmation step: whom it reaches per channel, and how many it cannot and why, before anything is sent.
    fc ? h('div', { class: 'card', id: 'bc-forecast' },
      h('h2', {}, `发送前检查：预计送达 ${fc.reachable} 人`),
      h('table', {}, h('tr', {}, h('th', {}, '发送渠道'), h('th', {}, '人数')),
        fc.channels.map(c => h('tr', {}, h('td', {}, c.name), h('td', {}, String(c.count)))),
        fc.unreachable.map(u => h('tr', { class: 'muted' }, h('td', {}, `无法送达：${u.reason}`), h('td', {}, String(u.count))))),
      h('p', { class: 'muted' }, fc.summary)) : null,
    unreachable.length ? h('h2', {}, `${beforeSending ? '预计无法送达' : '未能送达'}（${unreachable.length}）`) : null,
    unreachable.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'unreachable' },
      h('tr', {}, h('th', {}, '对象'), h('th', {}, '原因')),
      unreachable.map(u => h('tr', {}, h('td', {}, u.who), h('td', {}, u.reason))))) : null,
    recipientList.length ? h('h2', {}, `发送名单（${recipientList.length}）`) : null,
    recipientList.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'recipients' },
      h('tr', {}, h('th', {}, 'openid'), h('th', {}, '结果'), h('th', {}, '错误码'), h('th', {}, '时间')),
      recipientList.map(r => h('tr', {}, h('td', {}, r.openid), h('td', {}, badge(r.status)), h('td', {}, r.errcode ?? ''), h('td', {}, when(r.sentAt)))))) : null);
  // Live progress while it is on its way.
  if (['scheduled', 'sending', 'sent'].includes(b.status)) state.timers.push(setTimeout(() => route(), 2000));
}
