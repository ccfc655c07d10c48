// kycgate KYC document pages: the phone takes each slot's photo (camera or file) and submits them
// ("kyc-capture"); a desktop shows the QR code of the phone's link and follows its progress ("kyc-handoff").
// Runs after pages.js, whose helpers it uses (window.KycgatePages). No dependencies, no inline script.
"use strict";

(function () {
  var P = window.KycgatePages;
  var $ = P.$;
  var POLL_MS = 2000;
  var DOCUMENT_MAX_SIDE = 2000; // a document must stay readable
  var SELFIE_MAX_SIDE = 1280;
  var token = new URLSearchParams(window.location.search).get("token") || "";
  var enc = encodeURIComponent;

  var DOCUMENTS = {
    passport: "Passport",
    national_id: "ID card",
    driving_license: "Driving licence",
    residence_permit: "Residence permit",
  };
  // The same names inside a sentence ("the back of your ID card").
  var IN_SENTENCE = {
    national_id: "ID card",
    driving_license: "driving licence",
    residence_permit: "residence permit",
  };
  var DECLINE_REASONS = {
    face_mismatch: "The face in your selfie doesn't match the photo on your document.",
    no_face_detected: "We couldn't see a face in your selfie.",
    multiple_faces_detected: "More than one face was in your selfie.",
    no_face_on_document: "We couldn't find the photo on your document.",
    underage: "You don't meet the minimum age for this service.",
    overage: "Your age is outside the range this service accepts.",
  };

  // ---------------------------------------------------------------- what each slot holds

  function isSelfie(slot) {
    return slot.document_type === "selfie";
  }

  function label(slot) {
    if (isSelfie(slot)) return "Selfie";
    if (slot.document_type === "proof_of_address") return "Proof of address";
    if (slot.document_type === "passport") return "Passport photo page";
    return (DOCUMENTS[slot.document_type] || "Document") + (slot.side === "back" ? " (back)" : " (front)");
  }

  function guide(slot) {
    if (isSelfie(slot)) return "Look straight at the camera with your face inside the oval, in good light.";
    if (slot.document_type === "proof_of_address") {
      return "A utility bill or bank statement from the last 3 months. Lay it flat so your name and address can be read.";
    }
    if (slot.document_type === "passport") {
      return "Open your passport at the page with your photo. Fit the whole page in the frame, without glare.";
    }
    if (slot.side === "back") return "Turn the card over. Fit the whole back in the frame, all four corners visible.";
    return "Fit the whole front in the frame, all four corners visible, without glare.";
  }

  function cameraTitle(slot) {
    if (isSelfie(slot)) return "Take a selfie";
    if (slot.document_type === "proof_of_address") return "Photograph your proof of address";
    if (slot.document_type === "passport") return "Photograph your passport photo page";
    var name = IN_SENTENCE[slot.document_type] || "document";
    return "Photograph the " + (slot.side === "back" ? "back" : "front") + " of your " + name;
  }

  function listOf(names) {
    return names.length < 2 ? names.join("") : names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
  }

  function resultState(view) {
    if (view.status === "approved") return "approved";
    if (view.status === "declined") return "declined";
    return view.purpose === "additional_documents" ? "received" : "in_review";
  }

  // ---------------------------------------------------------------- phone: one photo per slot, then submit

  function capturePage() {
    var view = null; // the latest KycSubmissionStatus
    var photos = {}; // slot -> the JPEG taken on this page (shown as a thumbnail; never fetched back)
    var current = null; // the slot the camera is open for
    var camera = P.photoCamera({
      unsupported: "This browser can't open the camera on this page. Open the link in Safari or Chrome.",
      blocked: "Camera access is blocked. Allow camera access for this page in your browser's settings.",
      missing: "We couldn't find a camera on this device.",
      busy: "Another app is using the camera. Close it, then try again.",
      failed: "The camera didn't start.",
    });
    var stopCamera = camera.stop;

    function failed(detail) {
      $("error-detail").textContent = detail;
      P.show("error", "Something went wrong. " + detail);
    }

    // What an error answer from connect, status, upload or submit means for the customer.
    function problem(result) {
      stopCamera();
      var kind = P.slug(result);
      if (result.status === 404) return P.show("invalid");
      if (result.status === 410) return P.show("expired");
      if (kind === "submitted") return reload();
      if (result.status === 0) return failed("Check your internet connection, then try again.");
      return failed(result.data && result.data.detail ? result.data.detail : "Please try again in a moment.");
    }

    function start() {
      P.show("loading");
      P.call("PUT", "session/connect", { token: token, is_disconnect: false }).then(function (connected) {
        if (connected.status !== 200) return problem(connected);
        return reload();
      });
    }

    function reload() {
      return P.call("GET", "submission-status/" + enc(token)).then(function (result) {
        if (result.status !== 200) return problem(result);
        view = result.data;
        if (view.is_submitted) return finish(view);
        renderSlots([]);
        P.show("slots");
      });
    }

    function renderSlots(missing, alertText) {
      var additional = view.purpose === "additional_documents";
      $("slots-title").textContent = additional ? "Send the documents we asked for" : "Verify your identity";
      $("tenant-message").hidden = !view.message;
      $("tenant-message-text").textContent = view.message || "";
      var done = view.slots.filter(function (slot) { return slot.state === "filled"; }).length;
      $("progress").max = view.slots.length;
      $("progress").value = done;
      $("progress-text").textContent = done + " of " + view.slots.length + " photos done";
      var alert = $("missing");
      var names = missing.map(function (name) {
        var slot = view.slots.filter(function (s) { return s.slot === name; })[0];
        return slot ? label(slot) : name;
      });
      alert.textContent = alertText || (names.length ? "Still needed: " + listOf(names) + "." : "");
      alert.hidden = !alert.textContent;
      $("submit").textContent = additional ? "Send documents" : "Submit";

      var list = $("slot-list");
      while (list.firstChild) list.removeChild(list.firstChild);
      view.slots.forEach(function (slot) {
        list.appendChild(slotItem(slot, missing.indexOf(slot.slot) >= 0));
      });
    }

    function slotItem(slot, missing) {
      var name = label(slot);
      var filled = slot.state === "filled";
      var item = document.createElement("li");
      item.className = "slot" + (filled ? " slot-filled" : "") + (missing ? " slot-missing" : "");
      item.setAttribute("data-slot", slot.slot);

      var thumb = document.createElement("div");
      thumb.className = "slot-thumb";
      if (photos[slot.slot]) {
        var image = document.createElement("img");
        image.src = photos[slot.slot];
        image.alt = "Your photo: " + name;
        if (isSelfie(slot)) image.className = "mirror";
        thumb.appendChild(image);
      } else {
        thumb.setAttribute("aria-hidden", "true");
        thumb.textContent = filled ? "\u2713" : String(slotNumber(slot));
      }
      item.appendChild(thumb);

      var body = document.createElement("div");
      body.className = "slot-body";
      var title = document.createElement("h2");
      title.className = "slot-title";
      title.textContent = name;
      var state = document.createElement("p");
      state.className = "slot-state";
      state.textContent = filled ? "Done" : missing ? "Still needed" : "To do";
      var help = document.createElement("p");
      help.className = "slot-guide";
      help.textContent = guide(slot);
      body.appendChild(title);
      body.appendChild(state);
      body.appendChild(help);

      var actions = document.createElement("div");
      actions.className = "slot-actions";
      var take = document.createElement("button");
      take.type = "button";
      take.className = "button button-small" + (filled ? " button-secondary" : " button-primary");
      // Short on screen; the accessible name says which photo ("Retake photo of Selfie").
      take.appendChild(document.createTextNode(filled ? "Retake" : "Take photo"));
      take.appendChild(hidden((filled ? " photo" : "") + " of " + name));
      take.addEventListener("click", function () { openCamera(slot); });
      actions.appendChild(take);

      var pick = document.createElement("label");
      pick.className = "button button-small button-secondary";
      pick.appendChild(document.createTextNode("Choose file"));
      pick.appendChild(hidden(" for " + name));
      var input = document.createElement("input");
      input.type = "file";
      input.accept = "image/jpeg,image/png,image/*";
      input.className = "visually-hidden";
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        input.value = "";
        if (!file) return;
        P.fileToJpeg(file, isSelfie(slot) ? SELFIE_MAX_SIDE : DOCUMENT_MAX_SIDE).then(
          function (jpeg) { send(slot, jpeg); },
          function () { rejected(slot, "We couldn't open that file. Choose a JPEG or PNG photo."); }
        );
      });
      pick.appendChild(input);
      actions.appendChild(pick);
      body.appendChild(actions);
      item.appendChild(body);
      return item;
    }

    function slotNumber(slot) {
      return view.slots.indexOf(slot) + 1;
    }

    function hidden(text) {
      var span = document.createElement("span");
      span.className = "visually-hidden";
      span.textContent = text;
      return span;
    }

    function openCamera(slot) {
      current = slot;
      camera.open(isSelfie(slot), cameraTitle(slot), guide(slot), function () {
        P.show("camera", cameraTitle(slot) + ". Camera is on. " + guide(slot));
      }, noCamera);
    }

    function noCamera(message) {
      stopCamera();
      $("camera-problem").textContent = message;
      P.show("no-camera", "We can't use your camera. " + message);
    }

    function shutter() {
      var slot = current;
      var jpeg = slot && camera.take(isSelfie(slot) ? SELFIE_MAX_SIDE : DOCUMENT_MAX_SIDE);
      if (jpeg) send(slot, jpeg);
    }

    function send(slot, jpeg) {
      stopCamera();
      $("still").src = jpeg;
      $("still").className = isSelfie(slot) ? "mirror" : "";
      $("still-frame").classList.toggle("viewfinder-document", !isSelfie(slot));
      P.show("uploading");
      var image = jpeg.slice(jpeg.indexOf(",") + 1);
      P.call("POST", "session/upload", { token: token, slot: slot.slot, image: image }).then(function (result) {
        if (result.status === 200) {
          view = result.data;
          photos[slot.slot] = jpeg;
          renderSlots([]);
          var left = view.missing_slots.length;
          return P.show("slots", label(slot) + " saved. " + (left ? left + " to go." : "Everything is ready to submit."));
        }
        if (result.status === 422 || result.status === 413) {
          return rejected(slot, "We couldn't use that photo (" + label(slot) + "). Please take it again.");
        }
        return problem(result);
      });
    }

    function rejected(slot, message) {
      renderSlots([slot.slot], message);
      P.show("slots", message);
    }

    function submit() {
      stopCamera();
      P.show("checking");
      P.call("POST", "session/submit", { token: token }).then(function (result) {
        if (result.status === 200) return finish(result.data);
        var missing = result.data && result.data.missing_slots;
        if (result.status === 422 && missing) {
          // The server's view counts (another device may have added photos): refresh, then name the gaps.
          return P.call("GET", "submission-status/" + enc(token)).then(function (fresh) {
            if (fresh.status === 200) view = fresh.data;
            renderSlots(missing);
            P.show("slots", $("missing").textContent);
          });
        }
        if (P.slug(result) === "slot-changed") {
          return reload().then(function () {
            renderSlots([], "A photo changed while we were checking. Look over your photos and submit again.");
          });
        }
        return problem(result);
      });
    }

    function finish(result) {
      stopCamera();
      var state = resultState(result);
      if (state === "declined") {
        $("declined-reason").textContent =
          DECLINE_REASONS[result.declined_code] || "Your documents couldn't be verified.";
        return P.show("declined");
      }
      var block = document.querySelector('[data-state="' + state + '"]');
      var next = P.safeUrl(result.redirect_url);
      block.querySelector(".redirecting").hidden = !next;
      block.querySelector(".close-hint").hidden = !!next;
      P.show(state);
      if (next) {
        window.setTimeout(function () { window.location.assign(next); }, 2500);
      }
    }

    $("shutter").addEventListener("click", shutter);
    $("camera-cancel").addEventListener("click", function () {
      stopCamera();
      renderSlots([]);
      P.show("slots");
    });
    $("camera-back").addEventListener("click", function () {
      renderSlots([]);
      P.show("slots");
    });
    $("submit").addEventListener("click", submit);
    $("error-retry").addEventListener("click", start);
    start();
  }

  // ---------------------------------------------------------------- desktop: QR code and the phone's progress

  function handoffPage() {
    var slots = null; // the plan, from the status route (labels)
    var lastPhase = "";
    var failures = 0;

    function phase(text, kind) {
      if (text === lastPhase) return;
      lastPhase = text;
      $("phase-text").textContent = text;
      $("phase").className = "phase" + (kind ? " phase-" + kind : "");
      $("status").textContent = text;
    }

    function renderProgress(session) {
      var list = $("progress-list");
      while (list.firstChild) list.removeChild(list.firstChild);
      slots.forEach(function (slot) {
        var filled = session[slot.slot] === "filled";
        var item = document.createElement("li");
        item.className = "progress-item" + (filled ? " progress-done" : "");
        var mark = document.createElement("span");
        mark.className = "progress-mark";
        mark.setAttribute("aria-hidden", "true");
        mark.textContent = filled ? "\u2713" : "";
        item.appendChild(mark);
        item.appendChild(document.createTextNode(label(slot) + (filled ? ": received" : ": waiting")));
        list.appendChild(item);
      });
    }

    function finish(result) {
      var state = resultState(result);
      if (state === "declined") {
        $("declined-reason").textContent = DECLINE_REASONS[result.declined_code] || "The documents couldn't be verified.";
      } else {
        var next = P.safeUrl(result.redirect_url);
        var link = document.querySelector('[data-state="' + state + '"] .continue');
        if (next) link.href = next;
        link.hidden = !next;
      }
      P.show(state);
    }

    function retryLater() {
      failures += 1; // keep polling through network blips and 5xx, more slowly each time
      window.setTimeout(tick, Math.min(POLL_MS * (failures + 1), 15000));
    }

    function tick() {
      var planned = slots ? Promise.resolve(null) : P.call("GET", "submission-status/" + enc(token));
      Promise.all([P.call("GET", "session/" + enc(token)), planned]).then(function (results) {
        var session = results[0];
        var status = results[1];
        if (session.status === 404 || (status && status.status === 404)) return P.show("invalid");
        if (session.status === 410) return P.show("expired");
        if (session.status !== 200 || (status && status.status !== 200)) return retryLater();
        failures = 0;
        if (status) slots = status.data.slots;
        var data = session.data;
        if (data.is_submitted) {
          return P.call("GET", "submission-status/" + enc(token)).then(function (final) {
            if (final.status === 200) return finish(final.data);
            if (final.status === 410) return P.show("expired");
            return retryLater();
          });
        }
        renderProgress(data);
        var done = slots.filter(function (slot) { return data[slot.slot] === "filled"; }).length;
        if (done === slots.length) phase("All photos received. Submit them on your phone.", "ok");
        else if (done > 0) phase(done + " of " + slots.length + " photos received", "ok");
        else if (data.mobile_connected) phase("Phone connected. Take the photos on your phone.", "ok");
        else phase("Waiting for your phone\u2026", "");
        window.setTimeout(tick, POLL_MS);
      });
    }

    tick();
  }

  var page = document.body.getAttribute("data-page");
  if (page === "kyc-capture") capturePage();
  else if (page === "kyc-handoff") handoffPage();
})();
