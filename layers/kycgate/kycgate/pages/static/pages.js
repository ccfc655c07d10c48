// kycgate hosted capture pages: the phone's selfie page ("capture") and the desktop's QR page ("handoff"),
// and the helpers the KYC document pages share (window.KycgatePages, used by kyc-submit.js).
// No dependencies and no inline script (the pages' CSP forbids both). Every URL is relative, so the pages
// work under an API Gateway stage prefix as well as at the root of a domain.
"use strict";

(function () {
  var API = "api/v1/kyc/";
  var MAX_SIDE = 1280; // captured JPEG: longest side at most this many pixels
  var POLL_MS = 2000;
  var CAMERA_ON = "Camera is on. Fit your face inside the oval, then take a selfie.";
  var token = new URLSearchParams(window.location.search).get("token") || "";
  var enc = encodeURIComponent;

  var DECLINE_HINTS = {
    no_face_detected: "We couldn't see a face. Hold your phone at eye level with your whole face inside the oval.",
    multiple_faces_detected: "More than one face was in the picture. Make sure only you are in view.",
    face_mismatch:
      "Your selfie didn't match the photo from your earlier verification. Face the camera in even light, " +
      "without a hat or sunglasses.",
  };

  // ---------------------------------------------------------------- shared

  function $(id) {
    return document.getElementById(id);
  }

  // Show one [data-state] block, move focus to its heading and announce it.
  function show(state, announcement) {
    var blocks = document.querySelectorAll("[data-state]");
    var shown = null;
    for (var i = 0; i < blocks.length; i++) {
      var match = blocks[i].getAttribute("data-state") === state;
      blocks[i].hidden = !match;
      if (match) shown = blocks[i];
    }
    if (!shown) return;
    var heading = shown.querySelector("h1");
    if (heading) heading.focus({ preventScroll: true });
    var status = $("status");
    if (status) status.textContent = announcement || (heading ? heading.textContent : "");
    window.scrollTo(0, 0);
  }

  // fetch JSON; network failures come back as status 0 so callers branch on one thing.
  function call(method, path, body) {
    return callAt(API, method, path, body);
  }

  function callAt(base, method, path, body) {
    var init = { method: method, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { status: response.status, data: data };
          });
      },
      function () {
        return { status: 0, data: null };
      }
    );
  }

  // The problem+json `type` ends in a stable slug (urn:kycgate:problem:<slug>).
  function slug(result) {
    var type = result.data && typeof result.data.type === "string" ? result.data.type : "";
    return type.slice(type.lastIndexOf(":") + 1);
  }

  function safeUrl(value) {
    if (!value) return null;
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // The current frame of a <video> as a base64 JPEG data URL, its longest side at most MAX_SIDE.
  function grabFrame(video) {
    var width = video.videoWidth;
    var height = video.videoHeight;
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", 0.9);
  }

  // What a getUserMedia failure means for the customer.
  function cameraMessage(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "Camera access is blocked. Allow camera access for this page in your browser's settings, then tap Try again.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "We couldn't find a front camera on this device. Open the link on a phone with a camera.";
    }
    if (name === "NotReadableError") {
      return "Another app is using the camera. Close it, then tap Try again.";
    }
    return "The camera didn't start. Tap Try again.";
  }

  function attemptsText(remaining) {
    return remaining === 1 ? "1 attempt left" : remaining + " attempts left";
  }

  // A session's final state by its status, or null while the customer can still take a selfie.
  function finalState(view) {
    if (view.status === "approved") return "approved";
    if (view.status === "expired") return "expired";
    if (view.status === "declined" && view.data && view.data.retry_limit_exceeded) return "limit";
    return null;
  }

  // ---------------------------------------------------------------- phone: selfie capture

  function capturePage() {
    var video = $("preview");
    var stream = null;
    var redirectUrl = null;

    function stopCamera() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
    }

    function failed(detail) {
      $("error-detail").textContent = detail;
      show("error", "Something went wrong. " + detail);
    }

    // What an error answer from connect, status or submit means for the customer.
    function answerProblem(result) {
      var kind = slug(result);
      if (result.status === 404) return show("invalid");
      if (result.status === 410) return show("expired");
      if (kind === "session-completed") return show("completed");
      if (kind === "session-exhausted") return show("limit");
      if (result.status === 0) return failed("Check your internet connection, then try again.");
      var detail = result.data && result.data.detail ? result.data.detail : "Please try again in a moment.";
      return failed(detail);
    }

    function start() {
      show("loading");
      call("PUT", "session/connect", { token: token, is_disconnect: false })
        .then(function (connected) {
          if (connected.status !== 200) return answerProblem(connected);
          return call("GET", "reuse/session-status/" + enc(token)).then(function (result) {
            if (result.status !== 200) return answerProblem(result);
            var view = result.data;
            redirectUrl = safeUrl(view.redirect_url);
            var state = finalState(view);
            if (state === "approved") return show("completed");
            if (state) return show(state);
            var note = $("attempts-left");
            note.hidden = view.status !== "declined";
            note.textContent = attemptsText(view.data.retries_remaining);
            return openCamera();
          });
        });
    }

    function openCamera() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        return noCamera(
          "This browser can't open the camera on this page. Open the link in Safari or Chrome on your phone."
        );
      }
      var constraints = {
        audio: false,
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 1280 } },
      };
      return navigator.mediaDevices.getUserMedia(constraints).then(
        function (media) {
          stream = media;
          video.srcObject = media;
          $("capture").disabled = true;
          show("camera", CAMERA_ON);
          var ready = function () {
            $("capture").disabled = false;
          };
          if (video.readyState >= 2) ready();
          else video.addEventListener("loadeddata", ready, { once: true });
          video.play().catch(function () {});
        },
        function (error) {
          return noCamera(cameraMessage(error));
        }
      );
    }

    function noCamera(message) {
      stopCamera();
      $("camera-problem").textContent = message;
      show("no-camera", "We can't use your camera. " + message);
    }

    function submit() {
      if (!video.videoWidth) return;
      var dataUrl = grabFrame(video);
      $("still").src = dataUrl;
      show("checking");
      var proof = dataUrl.slice(dataUrl.indexOf(",") + 1);
      call("POST", "reuse/sessions/submit", { token: token, proof: proof }).then(function (result) {
        if (result.status !== 200) {
          if (result.status === 422 || result.status === 413) {
            return declined("We couldn't read that photo. Please take it again.", null);
          }
          stopCamera();
          return answerProblem(result);
        }
        var outcome = result.data;
        var state = finalState(outcome);
        if (state === "approved") return approved();
        if (state) {
          stopCamera();
          return show(state);
        }
        var hint = DECLINE_HINTS[outcome.declined_reason] || DECLINE_HINTS.face_mismatch;
        return declined(hint, outcome.data.retries_remaining);
      });
    }

    function declined(reason, remaining) {
      $("declined-reason").textContent = reason;
      var left = $("retries-left");
      left.hidden = remaining === null;
      left.textContent = remaining === null ? "" : attemptsText(remaining);
      show("declined", "We couldn't confirm it's you. " + reason + (remaining === null ? "" : " " + left.textContent + "."));
    }

    function approved() {
      stopCamera();
      $("redirecting").hidden = !redirectUrl;
      $("close-hint").hidden = !!redirectUrl;
      show("approved", "You're verified." + (redirectUrl ? " Taking you back to the site." : ""));
      if (redirectUrl) {
        window.setTimeout(function () {
          window.location.assign(redirectUrl);
        }, 2500);
      }
    }

    $("capture").addEventListener("click", submit);
    $("retry").addEventListener("click", function () {
      $("attempts-left").hidden = $("retries-left").hidden;
      $("attempts-left").textContent = $("retries-left").textContent;
      if (stream) show("camera", CAMERA_ON);
      else openCamera();
    });
    $("camera-retry").addEventListener("click", openCamera);
    $("error-retry").addEventListener("click", start);
    start();
  }

  // ---------------------------------------------------------------- desktop: QR code and progress

  function handoffPage() {
    var lastPhase = "";
    var failures = 0;

    function phase(text, kind) {
      if (text === lastPhase) return;
      lastPhase = text;
      $("phase-text").textContent = text;
      $("phase").className = "phase" + (kind ? " phase-" + kind : "");
      $("status").textContent = text;
    }

    function finish(state, view) {
      if (state === "approved") {
        var next = safeUrl(view && view.redirect_url);
        var link = $("continue");
        if (next) link.href = next;
        link.hidden = !next;
      }
      show(state);
    }

    function tick() {
      Promise.all([call("GET", "session/" + enc(token)), call("GET", "reuse/session-status/" + enc(token))]).then(
        function (results) {
          var handoff = results[0];
          var status = results[1];
          if (status.status === 404 || handoff.status === 404) return finish("invalid");
          if (status.status === 410) return finish("expired");
          if (status.status !== 200) {
            // Keep polling through network blips and 5xx, more slowly each time.
            failures += 1;
            return window.setTimeout(tick, Math.min(POLL_MS * (failures + 1), 15000));
          }
          failures = 0;
          var view = status.data;
          var state = finalState(view);
          if (state) return finish(state, view);
          var connected = handoff.status === 200 && handoff.data.mobile_connected;
          if (view.status === "declined") {
            phase(
              "That selfie didn't match. " + attemptsText(view.data.retries_remaining) + ": try again on your phone.",
              "warn"
            );
          } else if (connected) {
            phase("Phone connected. Take your selfie on your phone.", "ok");
          } else {
            phase("Waiting for your phone\u2026", "");
          }
          window.setTimeout(tick, POLL_MS);
        }
      );
    }

    tick();
  }

  // A picked file or a video frame as base64 JPEG, scaled so its longest side is at most maxSide.
  function toJpeg(source, width, height, maxSide) {
    var scale = Math.min(1, maxSide / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", 0.9);
  }

  function fileToJpeg(file, maxSide) {
    if (window.createImageBitmap) {
      return createImageBitmap(file).then(function (bitmap) {
        var jpeg = toJpeg(bitmap, bitmap.width, bitmap.height, maxSide);
        if (bitmap.close) bitmap.close();
        return jpeg;
      });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        URL.revokeObjectURL(url);
        resolve(toJpeg(image, image.naturalWidth, image.naturalHeight, maxSide));
      };
      image.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error("unreadable"));
      };
      image.src = url;
    });
  }

  // The camera block of the document pages (templates/camera.html: #preview, #shutter, the guides), opened
  // for one photo at a time: a selfie (front camera, mirrored, the face oval) or a document (back camera,
  // the card frame). `messages` names the failures in the page's language: unsupported, blocked, missing,
  // busy, failed.
  function photoCamera(messages) {
    var video = $("preview");
    var stream = null;

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
    }

    function failure(error) {
      var name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError") return messages.blocked;
      if (name === "NotFoundError" || name === "OverconstrainedError") return messages.missing;
      if (name === "NotReadableError") return messages.busy;
      return messages.failed;
    }

    // `opened()` once the camera streams (the shutter is enabled at its first frame), `failed(message)`
    // when it cannot.
    function open(selfie, title, guide, opened, failed) {
      stop();
      $("camera-title").textContent = title;
      $("camera-guide").textContent = guide;
      $("face-guide").hidden = !selfie;
      $("document-guide").hidden = selfie;
      $("viewfinder").classList.toggle("viewfinder-document", !selfie);
      video.className = selfie ? "mirror" : "";
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return failed(messages.unsupported);
      var constraints = {
        audio: false,
        video: selfie
          ? { facingMode: { ideal: "user" }, width: { ideal: 1280 }, height: { ideal: 1280 } }
          : { facingMode: { ideal: "environment" }, width: { ideal: 1920 }, height: { ideal: 1080 } },
      };
      return navigator.mediaDevices.getUserMedia(constraints).then(
        function (media) {
          stream = media;
          video.srcObject = media;
          $("shutter").disabled = true;
          opened();
          var ready = function () { $("shutter").disabled = false; };
          if (video.readyState >= 2) ready();
          else video.addEventListener("loadeddata", ready, { once: true });
          video.play().catch(function () {});
        },
        function (error) {
          stop();
          failed(failure(error));
        }
      );
    }

    // The frame on screen as a JPEG data URL, or null before the first frame.
    function take(maxSide) {
      if (!video.videoWidth) return null;
      return toJpeg(video, video.videoWidth, video.videoHeight, maxSide);
    }

    return { open: open, stop: stop, take: take };
  }

  // The helpers the KYC document pages (kyc-submit.js) and the IDV page (idv.js), loaded after this
  // script, share with these.
  window.KycgatePages = {
    $: $,
    show: show,
    call: call,
    callAt: callAt,
    slug: slug,
    safeUrl: safeUrl,
    toJpeg: toJpeg,
    fileToJpeg: fileToJpeg,
    photoCamera: photoCamera,
  };

  // ---------------------------------------------------------------- levels: kycgate's liveness check

  // The selfie is compared with the portrait on the client's document (seed 002 levels). Any device with
  // a camera may take it; the token in the URL is the check's only credential.
  function livenessPage() {
    var LEVELS = "api/v1/levels/";
    var video = $("preview");
    var stream = null;

    function stopCamera() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
    }

    function failed(detail) {
      $("error-detail").textContent = detail;
      show("error", "Something went wrong. " + detail);
    }

    function answerProblem(result) {
      var kind = slug(result);
      if (result.status === 404) return show("invalid");
      if (result.status === 410) return show("expired");
      if (kind === "check-completed") return show("completed");
      if (kind === "check-exhausted") return show("limit");
      if (result.status === 0) return failed("Check your internet connection, then try again.");
      var detail = result.data && result.data.detail ? result.data.detail : "Please try again in a moment.";
      return failed(detail);
    }

    function start() {
      show("loading");
      callAt(LEVELS, "GET", "liveness/" + enc(token)).then(function (result) {
        if (result.status !== 200) return answerProblem(result);
        var check = result.data;
        if (check.status === "approved") return show("completed");
        if (check.status === "exhausted") return show("limit");
        var note = $("attempts-left");
        note.hidden = check.status !== "declined";
        note.textContent = attemptsText(check.attempts_left);
        return openCamera();
      });
    }

    function openCamera() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        return noCamera("This browser can't open the camera on this page. Open the link in Safari or Chrome.");
      }
      var constraints = { audio: false, video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 1280 } } };
      return navigator.mediaDevices.getUserMedia(constraints).then(
        function (media) {
          stream = media;
          video.srcObject = media;
          $("capture").disabled = true;
          show("camera", CAMERA_ON);
          var ready = function () {
            $("capture").disabled = false;
          };
          if (video.readyState >= 2) ready();
          else video.addEventListener("loadeddata", ready, { once: true });
          video.play().catch(function () {});
        },
        function (error) {
          return noCamera(cameraMessage(error));
        }
      );
    }

    function noCamera(message) {
      stopCamera();
      $("camera-problem").textContent = message;
      show("no-camera", "We can't use your camera. " + message);
    }

    function submit() {
      if (!video.videoWidth) return;
      var dataUrl = grabFrame(video);
      $("still").src = dataUrl;
      show("checking");
      var selfie = dataUrl.slice(dataUrl.indexOf(",") + 1);
      callAt(LEVELS, "POST", "liveness/submit", { liveness_token: token, selfie: selfie }).then(function (result) {
        if (result.status !== 200) {
          if (result.status === 422 || result.status === 413) {
            return declined("We couldn't read that photo. Please take it again.", null);
          }
          stopCamera();
          return answerProblem(result);
        }
        var check = result.data;
        if (check.status === "approved") {
          stopCamera();
          return show("approved");
        }
        if (check.status === "exhausted") {
          stopCamera();
          return show("limit");
        }
        return declined(check.client_note || DECLINE_HINTS.face_mismatch, check.attempts_left);
      });
    }

    function declined(reason, remaining) {
      $("declined-reason").textContent = reason;
      var left = $("retries-left");
      left.hidden = remaining === null;
      left.textContent = remaining === null ? "" : attemptsText(remaining);
      show("declined", "We couldn't confirm it's you. " + reason + (remaining === null ? "" : " " + left.textContent + "."));
    }

    $("capture").addEventListener("click", submit);
    $("retry").addEventListener("click", function () {
      $("attempts-left").hidden = $("retries-left").hidden;
      $("attempts-left").textContent = $("retries-left").textContent;
      if (stream) show("camera", CAMERA_ON);
      else openCamera();
    });
    $("camera-retry").addEventListener("click", openCamera);
    $("error-retry").addEventListener("click", start);
    start();
  }

  var page = document.body.getAttribute("data-page");
  if (page === "capture") capturePage();
  else if (page === "handoff") handoffPage();
  else if (page === "liveness") livenessPage();
})();
