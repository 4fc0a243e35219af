// The natural calls of the service through openapi-fetch, typed by schema.d.ts (npm run generate).
// They type-check without casts (npm run check), and tests/service/test_typescript_client.py
// compiles and runs them against a live service:  node calls.js BASE_URL DIGIT_PNG
import { readFile } from "node:fs/promises";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

const isImage = (item: unknown): item is Blob => item instanceof Blob;

/** openapi-fetch sends JSON unless told otherwise: an image goes as itself, a form of images
 * as multipart FormData, anything else as JSON. */
export function serialize(body: unknown): BodyInit {
  if (isImage(body)) return body;
  const fields = typeof body === "object" && body !== null ? Object.entries(body) : [];
  const form = new FormData();
  for (const [field, value] of fields) {
    const items: unknown[] = [value].flat();
    if (items.length === 0 || !items.every(isImage)) return JSON.stringify(body);
    for (const image of items.filter(isImage)) form.append(field, image, `${field}.png`);
  }
  return fields.length > 0 ? form : JSON.stringify(body);
}

/** A client of the service; `json` takes the JSON answers (format=json), `api` the PNGs. */
export function connect(baseUrl: string) {
  return {
    api: createClient<paths>({ baseUrl, bodySerializer: serialize }),
    json: createClient<paths, "application/json">({ baseUrl, bodySerializer: serialize }),
  };
}

const PNG = { "Content-Type": "image/png" };

export async function calls(baseUrl: string, digit: Blob) {
  const { api, json } = connect(baseUrl);

  const drawn = await api.POST("/generate", { params: { query: { label: 7 } }, parseAs: "blob" });
  const png: Blob | undefined = drawn.data;
  const seed = drawn.response.headers.get("X-Seed");

  const classified = await api.POST("/classify", { body: digit, headers: PNG });
  const one: components["schemas"]["Prediction"] | undefined = Array.isArray(classified.data)
    ? classified.data[0]
    : classified.data;
  const several = await api.POST("/classify", { body: { file: [digit, digit] } });

  const encoded = await api.POST("/encode", { body: digit, headers: PNG });
  const zc: number[] | undefined = encoded.data?.z_c.loc;

  const strip = await api.POST("/interpolate", {
    params: { query: { start_label: 1, end_label: 7, steps: 5 } },
    parseAs: "blob",
  });
  const between = await api.POST("/interpolate/images", {
    body: { start_image: digit, end_image: digit },
    params: { query: { steps: 5 } },
    parseAs: "blob",
  });
  const three = await api.POST("/intervene", {
    params: { query: { label: 3 } },
    body: digit,
    headers: PNG,
    parseAs: "blob",
  });

  const images = await json.POST("/generate", {
    params: { query: { label: 7, n: 2, seed: 1, format: "json" } },
  });
  const codes: number[][] | undefined = images.data?.images.map((image) => image.z_c);

  const metadata = await api.GET("/v2/models/{name}", { params: { path: { name: "classifier" } } });
  const inputs: string[] | undefined = metadata.data?.inputs.map((tensor) => tensor.name);

  return {
    generate: { type: png?.type, bytes: png?.size, seed },
    classify: one?.label,
    classify_several: Array.isArray(several.data) ? several.data.map((p) => p.label) : null,
    encode: zc?.length,
    interpolate: strip.data?.type,
    interpolate_images: between.data?.type,
    intervene: three.data?.type,
    generate_json: { count: codes?.length, seed: images.data?.seed },
    model_metadata: inputs,
  };
}

const [baseUrl, digitPath] = process.argv.slice(2);
if (baseUrl && digitPath) {
  const digit = new Blob([await readFile(digitPath)], { type: "image/png" });
  console.log(JSON.stringify(await calls(baseUrl, digit)));
}
