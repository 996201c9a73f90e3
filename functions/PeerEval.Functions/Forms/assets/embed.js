// <script src="https://<peereval>/api/forms/embed.js" data-service="demo" data-invitation="<from the invitation's url>"></script>
// Puts the PeerEval form in an iframe where the script tag stands, and keeps the frame as tall as the form.
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
  frame.style.minHeight = '40rem';
  frame.setAttribute('loading', 'lazy');
  script.insertAdjacentElement('afterend', frame);
  window.addEventListener('message', function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    if (event.data && event.data.type === 'peereval:height') frame.style.height = event.data.height + 'px';
  });
})();
