import * as api from '../api.js';
import { h, view, when, field, formValues } from '../lib.js';

export async function followersPage(params) {
  const q = new URLSearchParams(params);
  const data = await api.listFollowers(q);
  const form = h('form', { class: 'inline card', id: 'followers-filter' },
    field('标签', h('select', { name: 'tag' }, h('option', { value: '' }, '全部'), data.tags.map(t => h('option', { value: t.id, selected: q.get('tag') === String(t.id) }, `标签 ${t.id}（${t.followers}）`)))),
    field('状态', h('select', { name: 'subscribed' }, h('option', { value: '' }, '全部'), h('option', { value: 'true', selected: q.get('subscribed') === 'true' }, '关注中'), h('option', { value: 'false', selected: q.get('subscribed') === 'false' }, '已取关'))),
    field('openid（完整 28 位）/ 备注', h('input', { name: 'q', value: q.get('q') || '' })),
    h('button', { type: 'submit' }, '筛选'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    location.hash = '#/followers?' + new URLSearchParams(Object.entries(v).filter(([, x]) => x !== ''));
  });
  view('关注者与标签', form,
    // A search stops counting at its cap (totalCapped): "10,000+" rather than a number it did not count.
    h('p', { class: 'muted', id: 'followers-total' }, `共 ${data.total.toLocaleString('en-US')}${data.totalCapped ? '+' : ''} 人`),
    h('div', { class: 'table-wrap' }, h('table', { id: 'followers' },
      h('tr', {}, h('th', {}, 'openid'), h('th', {}, '公众号'), h('th', {}, '状态'), h('th', {}, '关注时间'), h('th', {}, '来源场景'), h('th', {}, '标签'), h('th', {}, '备注')),
      data.items.map(f => h('tr', {}, h('td', {}, f.openid), h('td', {}, f.appId), h('td', {}, f.subscribed ? '关注中' : '已取关'),
        h('td', {}, when(f.subscribedAt)), h('td', {}, f.qrScene || ''), h('td', {}, f.tagIds.join(', ')), h('td', {}, f.remark || ''))))));
}
