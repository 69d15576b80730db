// Back to a form that made something, and Save again, makes nothing more (views/once.py).
//
// A form that makes something carries a key issued with the page, and the server makes one thing for
// each key. Staff pages are not stored by the browser, so Back fetches the form again, with a new key,
// while the browser puts back what was typed: sent as it was, it would log one complaint as two cases.
// So the key each form was sent with is kept with this page's place in the tab's history (history.state,
// which a new visit to the page starts without) and sent again if nothing in the form has been changed
// since: the server then takes the person to what the first post made. A form changed after coming back
// is something new, and is sent with its own key.
const KEY_FIELD = 'input[type="hidden"][name="once"]'
const sentBefore = (history.state && history.state.sentOnce) || {}
const seen = {}  // how many forms so far post to each address

for (const form of document.querySelectorAll('main form')) {
  const field = form.querySelector(KEY_FIELD)
  if (!field) continue
  // Known by where it posts, not by its place on the page, so that a list of forms shown in another
  // order on the way back (a suggestion gone) cannot send one form's key with another. Attributes, not
  // properties: a field named "action" would stand in for the form's.
  const action = form.getAttribute('action') || ''
  seen[action] = (seen[action] || 0) + 1
  const which = `${action} ${seen[action]}`
  let unchanged = Boolean(sentBefore[which])  // the browser puts typed values back without an event
  const changed = () => { unchanged = false }
  form.addEventListener('input', changed)
  form.addEventListener('change', changed)
  form.addEventListener('submit', () => {
    if (unchanged) field.value = sentBefore[which]
    const state = history.state && typeof history.state === 'object' ? history.state : {}
    const sent = { ...(state.sentOnce || {}), [which]: field.value }
    history.replaceState({ ...state, sentOnce: sent }, '')
  })
}
