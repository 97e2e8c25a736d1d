import * as api from '../api.js';
import { state, h, view, when, badge, field, formValues, guard, toast, can, route, fromLocalInput } from '../lib.js';

export function audienceLabel(b) {
  return { all: '全部关注者', tag: `标签 ${b.audienceRef}`, topic: `提醒主题 #${b.audienceRef}`, session: `场次 #${b.audienceRef} 的家长` }[b.audience];
}

export async function broadcastsPage() {
  const list = await api.listBroadcasts();
  const kind = h('select', { name: 'kind', id: 'bc-kind' }, [['text', '文字'], ['news', '图文链接'], ['template', '模板消息']].map(([v, t]) => h('option', { value: v }, t)));
  const audience = h('select', { name: 'audience', id: 'bc-audience' }, [['all', '全部关注者'], ['tag', '某个标签'], ['topic', '提醒主题的订阅者'], ['session', '某场次的家长']].map(([v, t]) => h('option', { value: v }, t)));
  const parts = {
    text: h('div', {}, field('文字内容', h('textarea', { name: 'text', maxlength: 600 }))),
    news: h('div', { class: 'fields', hidden: true }, field('图文标题', h('input', { name: 'newsTitle' })), field('摘要', h('input', { name: 'newsDescription' })), field('链接', h('input', { name: 'newsUrl', placeholder: 'https://' }))),
    template: h('div', { class: 'fields', hidden: true }, field('模板 ID', h('input', { name: 'templateId' })), field('字段（每行 名称=内容）', h('textarea', { name: 'templateData', placeholder: 'thing1=科普日主场活动\ntime2=9月14日 09:00' }))),
  };
  const ref = field('标签 ID / 主题 ID / 场次 ID', h('input', { name: 'audienceRef', type: 'number', min: 1 }));
  ref.hidden = true;
  kind.addEventListener('change', () => Object.entries(parts).forEach(([k, el]) => { el.hidden = k !== kind.value; }));
  audience.addEventListener('change', () => { ref.hidden = audience.value === 'all'; });
  const form = h('form', { class: 'stack card', id: 'broadcast-form' },
    h('div', { class: 'fields' }, field('群发标题（仅后台可见）', h('input', { name: 'title', required: true, maxlength: 64 })), field('类型', kind), field('发送对象', audience), ref),
    parts.text, parts.news, parts.template,
    field('小程序页面（可选）', h('input', { name: 'page', placeholder: 'pages/index/index' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, '保存草稿')));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    const body = { title: v.title, kind: v.kind, audience: v.audience, audienceRef: v.audience === 'all' ? null : Number(v.audienceRef) || null, page: v.page || null };
    if (v.kind === 'text') body.text = v.text;
    if (v.kind === 'news') body.news = { title: v.newsTitle, description: v.newsDescription, url: v.newsUrl };
    if (v.kind === 'template') {
      body.template = { templateId: v.templateId, data: Object.fromEntries(v.templateData.split('\n').map(l => l.split('=')).filter(p => p.length >= 2 && p[0].trim()).map(([k, ...rest]) => [k.trim(), rest.join('=').trim()])) };
    }
    const b = await api.createBroadcast(body);
    toast('草稿已保存，可预览后发送');
    location.hash = `#/broadcast/${b.id}`;
  }));
  view('群发',
    can('organiser') ? form : null,
    h('p', { class: 'muted' }, '全部关注者或按标签的群发每月最多 4 次，组织者提交后需管理员确认；其他对象逐个发送，结果实时显示。'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'broadcasts' },
      h('tr', {}, h('th', {}, '标题'), h('th', {}, '对象'), h('th', {}, '状态'), h('th', {}, '计划时间'), h('th', {}, '创建人')),
      list.map(b => h('tr', {}, h('td', {}, h('a', { href: `#/broadcast/${b.id}` }, b.title)), h('td', {}, audienceLabel(b)), h('td', {}, badge(b.status)),
        h('td', {}, when(b.scheduledAt)), h('td', {}, b.createdByName))))));
}

export async function broadcastPage(id) {
  const { broadcast: b, recipientList, delivery: d, unreachable } = await api.getBroadcast(id);
  const at = h('input', { type: 'datetime-local', id: 'bc-at' });
  const act = (label, path, body, cls, idAttr) => h('button', { class: cls || '', id: idAttr, onclick: guard(async () => {
    const r = await api.broadcastAction(id, path, typeof body === 'function' ? body() : body);
    // Say what actually happened: an organiser's mass send is not sent but waits for an admin.
    toast(r && r.status === 'awaiting_confirmation' ? '已提交，等待管理员确认后才会发送'
      : r && r.status === 'scheduled' && path !== 'preview' ? `已安排发送（${when(r.scheduledAt)}）` : `${label}：成功`);
    route();
  }) }, label);
  const beforeSending = ['draft', 'scheduled', 'awaiting_confirmation'].includes(b.status);
  const content = b.kind === 'text' ? b.content.text : b.kind === 'news' ? `${b.content.news.title} ${b.content.news.url}` : `${b.content.template.templateId} ${JSON.stringify(b.content.template.data)}`;
  view(`群发：${b.title}`,
    h('div', { class: 'card' },
      h('div', {}, '状态：', h('span', { id: 'bc-status' }, badge(b.status)), b.error ? h('span', { class: 'error' }, ' ' + b.error) : ''),
      h('div', {}, `对象：${audienceLabel(b)}；类型：${{ text: '文字', news: '图文链接', template: '模板消息' }[b.kind]}`),
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
