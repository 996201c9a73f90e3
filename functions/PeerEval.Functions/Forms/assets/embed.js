// <script src="https://<peereval>/api/forms/embed.js" data-service="demo" data-invitation="<from the invitation's url>"></script>
// Puts the PeerEval form in an iframe where the script tag stands, and keeps the frame as tall as the form,
// growing and shrinking with it. data-title names the frame for screen readers (default "Feedback form").
// With data-invitation the form is one person's (its occasion and questionnaires come from the invitation);
// without, it is the service's public form (data-occasion, data-instruments), if the service has one.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var service = script.getAttribute('data-service');
  var params = new URLSearchParams();
  ['invitation', 'occasion', 'instruments'].forEach(function (name) {
    var value = script.getAttribute('data-' + name);
    if (value) params.set(name, value);
  });
  var frame = document.createElement('iframe');
  frame.src = origin + '/api/forms/' + encodeURIComponent(service) + '?' + params.toString();
  frame.title = script.getAttribute('data-title') || 'Feedback form';
  frame.style.width = '100%';
  frame.style.border = '0';
  frame.style.height = '40rem'; // until the form reports its own height
  frame.setAttribute('loading', 'lazy');
  script.insertAdjacentElement('afterend', frame);
  window.addEventListener('message', function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== 'peereval:height' || typeof data.height !== 'number') return;
    // Both ways: the frame shrinks to the short thank-you message as it grew to the questions.
    frame.style.height = Math.max(data.height, 100) + 'px';
    if (data.finished && frame.getBoundingClientRect().top < 0) frame.scrollIntoView({ block: 'start' });
  });
})();
