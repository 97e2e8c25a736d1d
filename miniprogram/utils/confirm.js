// wx.showModal as a promise of "did the parent confirm?", for the irreversible actions (cancel a
// sign-up, delete a child, delete all data). A failed modal counts as "no": never act unconfirmed.
function confirmAction(options) {
  return new Promise(resolve => {
    wx.showModal({
      title: options.title,
      content: options.content,
      confirmText: options.confirmText || '确定',
      cancelText: options.cancelText || '再想想',
      confirmColor: options.danger ? '#fa5151' : '#576b95',
      success: res => resolve(!!res.confirm),
      fail: () => resolve(false)
    })
  })
}

module.exports = { confirmAction }
