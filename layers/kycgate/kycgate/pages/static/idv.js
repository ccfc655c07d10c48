// kycgate hosted IDV page (seed 001 web initiation): the workflow's photos by camera and/or file, then one
// upload with the page's token (POST api/v1/compliance/idv/sdk/upload), then the tenant's success_url or
// error_url. Runs after pages.js, whose helpers it uses (window.KycgatePages). Every string comes from the
// task's catalogue, which the server puts in #idv-config with the steps; none is written here.
"use strict";

(function () {
  var P = window.KycgatePages;
  var $ = P.$;
  var API = "api/v1/compliance/idv/";
  var DOCUMENT_MAX_SIDE = 2000; // the MRZ and the printed fields must stay readable
  var SELFIE_MAX_SIDE = 1280;
  var REDIRECT_MS = 1500;
  var token = new URLSearchParams(window.location.search).get("token") || "";
  var config = JSON.parse($("idv-config").getAttribute("data-config"));
  var M = config.messages;

  // A catalogue message with its {name} placeholders filled.
  function t(name, values) {
    return M[name].replace(/\{(\w+)\}/g, function (whole, key) {
      return values && key in values ? values[key] : whole;
    });
  }

  function listOf(names) {
    if (names.length < 2) return names.join("");
    return names.slice(0, -1).join(M.list_separator) + M.list_last_separator + names[names.length - 1];
  }

  function idvPage() {
    var photos = {}; // step field -> the JPEG data URL chosen or taken on this page
    var current = null; // the step the camera is open for
    var camera = P.photoCamera({
      unsupported: M.camera_unsupported,
      blocked: M.camera_blocked,
      missing: M.camera_missing,
      busy: M.camera_busy,
      failed: M.camera_failed,
    });
    var stopCamera = camera.stop;

    // A final state; with the tenant's URL for it, the customer is sent there after a moment.
    function finish(state, url) {
      stopCamera();
      var block = document.querySelector('[data-state="' + state + '"]');
      var next = P.safeUrl(url);
      var redirecting = block.querySelector(".redirecting");
      var hint = block.querySelector(".close-hint");
      if (redirecting) redirecting.hidden = !next;
      if (hint) hint.hidden = !!next;
      P.show(state);
      if (next) window.setTimeout(function () { window.location.assign(next); }, REDIRECT_MS);
    }

    function failed(detail) {
      $("error-detail").textContent = detail;
      P.show("error", M.error_title + ". " + detail);
    }

    function missingSteps() {
      return config.steps.filter(function (step) { return !photos[step.field]; });
    }

    function render(missing, alertText) {
      var done = config.steps.length - missingSteps().length;
      $("progress").max = config.steps.length;
      $("progress").value = done;
      $("progress-text").textContent = t("progress", { done: done, total: config.steps.length });
      var alert = $("problem");
      alert.textContent = alertText || "";
      alert.hidden = !alert.textContent;
      var list = $("step-list");
      while (list.firstChild) list.removeChild(list.firstChild);
      config.steps.forEach(function (step, index) {
        list.appendChild(stepItem(step, index, missing.indexOf(step) >= 0));
      });
    }

    function stepItem(step, index, missing) {
      var filled = !!photos[step.field];
      var item = document.createElement("li");
      item.className = "slot" + (filled ? " slot-filled" : "") + (missing ? " slot-missing" : "");

      var thumb = document.createElement("div");
      thumb.className = "slot-thumb";
      if (filled) {
        var image = document.createElement("img");
        image.src = photos[step.field];
        image.alt = t("your_photo", { step: step.label });
        if (step.selfie) image.className = "mirror";
        thumb.appendChild(image);
      } else {
        thumb.setAttribute("aria-hidden", "true");
        thumb.textContent = String(index + 1);
      }
      item.appendChild(thumb);

      var body = document.createElement("div");
      body.className = "slot-body";
      var title = document.createElement("h2");
      title.className = "slot-title";
      title.textContent = step.label;
      var state = document.createElement("p");
      state.className = "slot-state";
      state.textContent = filled ? M.step_done : missing ? M.step_missing : M.step_todo;
      var help = document.createElement("p");
      help.className = "slot-guide";
      help.textContent = step.guide;
      body.appendChild(title);
      body.appendChild(state);
      body.appendChild(help);

      var actions = document.createElement("div");
      actions.className = "slot-actions";
      if (config.camera) {
        var take = document.createElement("button");
        take.type = "button";
        take.className = "button button-small" + (filled ? " button-secondary" : " button-primary");
        take.textContent = filled ? M.retake : M.take_photo;
        take.setAttribute("aria-label", t(filled ? "retake_photo_of" : "take_photo_of", { step: step.label }));
        take.addEventListener("click", function () { openCamera(step); });
        actions.appendChild(take);
      }
      if (config.upload) {
        var pick = document.createElement("label");
        pick.className = "button button-small " + (config.camera || filled ? "button-secondary" : "button-primary");
        pick.appendChild(document.createTextNode(M.choose_file));
        var input = document.createElement("input");
        input.type = "file";
        input.accept = "image/jpeg,image/png,image/*";
        input.className = "visually-hidden";
        input.setAttribute("aria-label", t("choose_file_for", { step: step.label }));
        input.addEventListener("change", function () {
          var file = input.files && input.files[0];
          input.value = "";
          if (!file) return;
          P.fileToJpeg(file, step.selfie ? SELFIE_MAX_SIDE : DOCUMENT_MAX_SIDE).then(
            function (jpeg) { keep(step, jpeg); },
            function () {
              render([step], M.file_unreadable);
              P.show("ready", M.file_unreadable);
            }
          );
        });
        pick.appendChild(input);
        actions.appendChild(pick);
      }
      body.appendChild(actions);
      item.appendChild(body);
      return item;
    }

    function keep(step, jpeg) {
      photos[step.field] = jpeg;
      render([]);
      P.show("ready", t("saved", { step: step.label }) + " " + (missingSteps().length ? "" : M.all_ready));
    }

    function openCamera(step) {
      current = step;
      camera.open(step.selfie, step.title, step.guide, function () {
        P.show("camera", step.title + ". " + M.camera_on + " " + step.guide);
      }, noCamera);
    }

    function noCamera(message) {
      stopCamera();
      var text = config.upload ? message + " " + M.camera_upload_hint : message;
      $("camera-problem").textContent = text;
      P.show("no-camera", M.no_camera_title + ". " + text);
    }

    function shutter() {
      var step = current;
      var jpeg = step && camera.take(step.selfie ? SELFIE_MAX_SIDE : DOCUMENT_MAX_SIDE);
      if (!jpeg) return;
      stopCamera();
      keep(step, jpeg);
    }

    function submit() {
      var missing = missingSteps();
      if (missing.length) {
        var names = missing.map(function (step) { return step.label; });
        var text = t("missing", { steps: listOf(names) });
        render(missing, text);
        return P.show("ready", text);
      }
      stopCamera();
      P.show("checking");
      var body = { token: token };
      config.steps.forEach(function (step) {
        var jpeg = photos[step.field];
        body[step.field] = jpeg.slice(jpeg.indexOf(",") + 1);
      });
      P.callAt(API, "POST", "sdk/upload", body).then(function (result) {
        if (result.status === 200) return finish("done", config.success_url);
        // Checked by another tab, or a retry of an upload that went through: the task is done.
        if (result.status === 409) return finish("completed", config.success_url);
        if (result.status === 422 || result.status === 413) {
          render([], M.photos_refused);
          return P.show("ready", M.photos_refused);
        }
        if (result.status === 404) return finish("expired", config.error_url);
        if (result.status === 402) return finish("failed", config.error_url);
        return failed(result.status === 0 ? M.error_network : M.error_later);
      });
    }

    $("shutter").addEventListener("click", shutter);
    $("camera-cancel").addEventListener("click", function () {
      stopCamera();
      render([]);
      P.show("ready");
    });
    $("camera-back").addEventListener("click", function () {
      render([]);
      P.show("ready");
    });
    $("submit").addEventListener("click", submit);
    $("error-retry").addEventListener("click", submit);

    if (config.state === "ready") {
      render([]);
      P.show("ready");
    } else if (config.state === "completed") {
      finish("completed", config.success_url);
    } else if (config.state === "expired") {
      finish("expired", config.error_url);
    } else {
      P.show("unknown");
    }
  }

  if (document.body.getAttribute("data-page") === "idv") idvPage();
})();
