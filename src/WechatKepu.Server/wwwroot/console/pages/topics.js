import * as api from '../api.js';
import { h, view, when, badge, guard, toast, can, route, CHANNELS } from '../lib.js';

export async function topicsPage() {
  let topics = null;
  try { topics = await api.listTopics(); } catch (err) { if (err.status !== 404) throw err; }
  if (!topics) return view('提醒主题与轮次', h('p', { class: 'muted' }, '提醒主题由提醒模块管理，该模块尚未接入本后台。'));
  const templates = await api.listNoticeTemplates().catch(() => []);
  view('提醒主题与轮次', topics.map(t => h('section', { class: 'card topic', 'data-topic': t.name }, h('h2', {}, t.name), h('div', { class: 'muted' }, t.description || ''),
    h('div', {}, `订阅人数 ${t.subscribers}`, ' ', t.canSend ? badge('open') : h('span', { class: 'badge cancelled' }, '无法发送')),
    (t.blockers || []).map(b => h('p', { class: 'error blocker' }, b)),
    (t.warnings || []).map(w => h('p', { class: 'muted' }, w)),
    h('table', {}, h('tr', {}, h('th', {}, '轮次'), h('th', {}, '时间'), h('th', {}, '状态')),
      t.rounds.map(r => h('tr', {}, h('td', {}, r.title), h('td', {}, when(r.startsAt)), h('td', {}, badge(r.status))))))),
    templates.length ? noticeTemplatesSection(templates) : null);
}

// Which keyword of each notice's template carries the activity, time, place and note. WeChat shows no first/remark
// and at most 20 characters a field since 2023-05-04, so everything that matters goes into keyword fields.
export function noticeTemplatesSection(templates) {
  const roles = [['activity', '活动'], ['time', '时间'], ['place', '地点'], ['note', '说明']];
  return [h('h2', {}, '通知模板字段'),
    h('p', { class: 'muted' }, '微信自 2023 年 5 月起不显示 first、remark，每个字段只显示一行 20 个字。请按所选模板的字段名（如 thing1、time2、keyword3）填写每项内容放在哪个字段。'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'notice-templates' },
      h('tr', {}, h('th', {}, '通知'), h('th', {}, '渠道 / 模板'), ...roles.map(([, label]) => h('th', {}, label)), h('th', {}, '示例（家长看到的）'), h('th', {}, '')),
      templates.map(t => {
        const inputs = roles.map(([role]) => h('input', { name: role, value: t.fields[role] || '', size: 10, 'aria-label': role }));
        return h('tr', { 'data-purpose': t.purpose, 'data-channel': t.channel },
          h('td', {}, t.name), h('td', {}, CHANNELS[t.channel] || t.channel, h('div', { class: 'muted' }, t.templateId || (t.purpose === 'topic_round' ? '模板 ID 在各主题中设置' : '未配置模板'))),
          ...inputs.map(i => h('td', {}, i)),
          h('td', {}, Object.values(t.example).map(v => h('div', {}, v))),
          can('organiser') ? h('td', {}, h('button', { class: 'ghost', onclick: guard(async () => {
            const body = Object.fromEntries(inputs.map(i => [i.name, i.value.trim()]));
            await api.saveNoticeTemplate(t.purpose, t.channel, body);
            toast('已保存');
            route();
          }) }, '保存')) : h('td', {}));
      })))];
}
