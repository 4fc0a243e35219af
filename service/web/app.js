// The page's behaviour: a drawing canvas and four panels, each calling one endpoint of the
// service. Everything model-specific (class names, image size) is read from GET /model; every
// API error is shown in its panel with the service's own message.
// URLs are relative, so the page also works behind a proxy that serves it under a prefix.

const SCALE = 4; // screen pixels per model pixel for the images the service returns
const CANVAS_SCALE = 10; // canvas pixels per model pixel for the drawing

const $ = (id) => document.getElementById(id);

/** An error from the API, with the status and the service's error type and message. */
class ApiError extends Error {
  constructor(status, type, message) {
    super(`${message} (HTTP ${status}, ${type})`);
    this.status = status;
  }
}

/** Call the API; a non-2xx answer becomes an ApiError carrying the service's message. */
async function api(path, options = {}) {
  const response = await fetch(path, options);
  if (response.ok) return response;
  let type = "error";
  let message = response.statusText || "request failed";
  try {
    const body = await response.json();
    ({ type, message } = body.error ?? { type, message: JSON.stringify(body) });
  } catch {
    // NOTE: not JSON (a proxy's error page, say): keep the status line as the message.
  }
  throw new ApiError(response.status, type, `${path.split("?")[0]}: ${message}`);
}

/** Run an action for a panel: clear its error first, show any failure in it afterwards. */
function guarded(errorId, action) {
  return async (...args) => {
    const box = $(errorId);
    box.hidden = true;
    box.textContent = "";
    try {
      await action(...args);
    } catch (error) {
      box.textContent = error.message;
      box.hidden = false;
      console.error(error);
    }
  };
}

/** Show PNG bytes (a Blob) in an <img>, scaled up `zoom` times more than SCALE, pixels crisp. */
function showPng(img, blob, zoom = 1) {
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  img.onload = () => {
    img.style.width = `${img.naturalWidth * SCALE * zoom}px`;
    img.hidden = false;
  };
  img.src = URL.createObjectURL(blob);
}

function fillSelect(select, classes, selected) {
  select.replaceChildren(
    ...classes.map((name) => new Option(name, name, false, name === selected)),
  );
}

// --- drawing -----------------------------------------------------------------------------

/** A canvas the user draws on with mouse, pen or finger: black ink on white, as on paper. */
class Drawing {
  constructor(canvas, height, width) {
    this.canvas = canvas;
    canvas.width = width * CANVAS_SCALE;
    canvas.height = height * CANVAS_SCALE;
    this.context = canvas.getContext("2d");
    this.context.lineCap = "round";
    this.context.lineJoin = "round";
    this.context.lineWidth = Math.max(canvas.width, canvas.height) / 14;
    this.clear();
    canvas.addEventListener("pointerdown", (event) => this.start(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    for (const name of ["pointerup", "pointercancel", "pointerleave"]) {
      canvas.addEventListener(name, () => (this.last = null));
    }
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * this.canvas.width) / box.width,
      ((event.clientY - box.top) * this.canvas.height) / box.height,
    ];
  }

  start(event) {
    this.canvas.setPointerCapture?.(event.pointerId);
    this.last = this.point(event);
    this.line(this.last, this.last);
    this.empty = false;
  }

  move(event) {
    if (!this.last) return;
    const next = this.point(event);
    this.line(this.last, next);
    this.last = next;
  }

  line([x0, y0], [x1, y1]) {
    this.context.beginPath();
    this.context.moveTo(x0, y0);
    this.context.lineTo(x1, y1);
    this.context.stroke();
  }

  clear() {
    this.context.fillStyle = "white";
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.context.strokeStyle = "black";
    this.last = null;
    this.empty = true;
  }

  /** The drawing as a PNG upload; the service inverts dark-on-light and centres the digit. */
  async formData(field = "file") {
    const blob = await new Promise((resolve) => this.canvas.toBlob(resolve, "image/png"));
    const form = new FormData();
    form.append(field, blob, "drawing.png");
    return form;
  }
}

// --- panels ------------------------------------------------------------------------------

function showPrediction(prediction, classes) {
  $("prediction").textContent =
    `Read as ${prediction.class_name} ` +
    `(${(100 * prediction.probabilities[prediction.label]).toFixed(1)} %)`;
  $("prediction").dataset.label = prediction.class_name;
  $("probabilities").replaceChildren(
    ...prediction.probabilities.map((p, k) => {
      const item = document.createElement("li");
      item.dataset.class = classes[k];
      item.classList.toggle("top", k === prediction.label);
      const name = document.createElement("span");
      name.textContent = classes[k];
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      const value = document.createElement("span");
      value.className = "value";
      value.textContent = p.toFixed(3);
      item.append(name, bar, value);
      return item;
    }),
  );
}

// The out-of-distribution score, when the model has one: a warning when it is flagged.
function showOod(ood) {
  const note = $("ood");
  note.hidden = !ood?.flagged;
  note.dataset.flagged = String(Boolean(ood?.flagged));
  note.textContent = ood?.flagged
    ? "This does not look like a digit: it scores above " +
      `${ood.percentile.toFixed(1)} % of the held-out training digits, ` +
      "so the reading above may mean nothing."
    : "";
}

function setUpInterpolation() {
  const slider = $("interpolate-slider");
  let frames = [];
  const show = () => {
    const k = Number(slider.value);
    const img = $("interpolate-image");
    img.onload = () => {
      img.style.width = `${img.naturalWidth * SCALE * 2}px`;
      img.hidden = false;
    };
    img.src = `data:image/png;base64,${frames[k].png}`;
    $("interpolate-frame").value = `${k + 1} / ${frames.length}`;
  };
  slider.addEventListener("input", show);
  $("interpolate-run").addEventListener(
    "click",
    guarded("interpolate-error", async () => {
      const query = new URLSearchParams({
        start_label: $("interpolate-start").value,
        end_label: $("interpolate-end").value,
        steps: $("interpolate-steps").value,
        format: "json",
      });
      const response = await api(`interpolate?${query}`, { method: "POST" });
      frames = (await response.json()).images;
      slider.max = String(frames.length - 1);
      slider.value = "0";
      slider.disabled = false;
      show();
    }),
  );
}

async function main() {
  let info;
  try {
    info = await (await api("model")).json();
  } catch (error) {
    $("model-info").textContent = "The model is not available.";
    $("model-error").textContent = error.message;
    $("model-error").hidden = false;
    for (const button of document.querySelectorAll("button")) button.disabled = true;
    return;
  }
  const classes = info.classes;
  const [, height, width] = info.image.shape;
  const accuracy = info.metrics?.test_accuracy;
  $("model-info").textContent =
    `${info.name} ${info.version}: ${classes.length} classes, ${height}×${width} images` +
    (accuracy === undefined ? "" : `, ${(100 * accuracy).toFixed(2)} % test accuracy`) +
    ` (${info.provider})`;

  fillSelect($("intervene-label"), classes, classes[Math.min(3, classes.length - 1)]);
  fillSelect($("generate-label"), classes, classes[Math.min(7, classes.length - 1)]);
  fillSelect($("interpolate-start"), classes, classes[0]);
  fillSelect($("interpolate-end"), classes, classes[classes.length - 1]);

  const drawing = new Drawing($("canvas"), height, width);
  $("clear").addEventListener("click", () => {
    drawing.clear();
    $("prediction").textContent = "";
    delete $("prediction").dataset.label;
    $("probabilities").replaceChildren();
    showOod(null);
  });
  $("classify").addEventListener(
    "click",
    guarded("draw-error", async () => {
      const response = await api("classify", { method: "POST", body: await drawing.formData() });
      const prediction = await response.json();
      showPrediction(prediction, classes);
      showOod(prediction.ood);
    }),
  );
  $("intervene-keep").addEventListener("input", () => {
    $("intervene-keep-value").textContent = $("intervene-keep").value;
  });
  $("intervene-run").addEventListener(
    "click",
    guarded("intervene-error", async () => {
      const query = new URLSearchParams({
        label: $("intervene-label").value,
        keep: $("intervene-keep").value,
      });
      const response = await api(`intervene?${query}`, {
        method: "POST",
        body: await drawing.formData(),
      });
      showPng($("intervene-image"), await response.blob(), 2);
    }),
  );
  $("generate-run").addEventListener(
    "click",
    guarded("generate-error", async () => {
      const query = new URLSearchParams({
        label: $("generate-label").value,
        n: $("generate-n").value,
      });
      const response = await api(`generate?${query}`, { method: "POST" });
      showPng($("generate-image"), await response.blob());
      $("generate-seed").textContent = `seed ${response.headers.get("X-Seed")}`;
    }),
  );
  setUpInterpolation();
  document.body.dataset.ready = "true";
}

main();
