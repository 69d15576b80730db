// Tells the page that embeds this one in a frame how tall it is, so that the page can fit the frame to
// it: the box grows when it says what is wrong, and shrinks to its thanks. Without the embedding page's
// few lines (the survey's staff page gives them), or without JavaScript, the frame keeps the height it
// was given and the page scrolls inside it. Only the height is sent, to whatever page embeds this one.
const MESSAGE = 'feedbackFrameHeight'

if (window.parent !== window) {
  const tell = () => {
    const height = Math.ceil(document.body.getBoundingClientRect().height)
    window.parent.postMessage({ [MESSAGE]: height }, '*')
  }
  new ResizeObserver(tell).observe(document.body)  // when first laid out, and at every change of size
}
