import * as api from '../api.js';
import { h, view, when } from '../lib.js';

export async function auditPage() {
  const rows = await api.auditLog(200);
  view('操作日志', h('div', { class: 'table-wrap' }, h('table', { id: 'audit' },
    h('tr', {}, h('th', {}, '时间'), h('th', {}, '人员'), h('th', {}, '操作'), h('th', {}, '对象'), h('th', {}, '详情')),
    rows.map(r => h('tr', {}, h('td', {}, when(r.at)), h('td', {}, r.staffName), h('td', {}, r.action), h('td', {}, r.target || ''),
      h('td', { class: 'muted' }, JSON.stringify(r.detail)))))));
}
