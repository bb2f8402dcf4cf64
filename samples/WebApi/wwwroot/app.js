// Posts the message with fetch and reads the server-sent events from the response body as they arrive (EventSource
// cannot POST). Every event becomes an <li data-event="…" data-seq="…"> in #events; text deltas also grow #answer.
// Stop aborts the fetch: the server sees the connection close and cancels the model call and the tools.
"use strict";

const form = document.getElementById("chat-form");
const input = document.getElementById("message");
const sendButton = document.getElementById("send");
const stopButton = document.getElementById("stop");
const statusLine = document.getElementById("status");
const eventList = document.getElementById("events");
const answer = document.getElementById("answer");
let controller = null;

function setStatus(state, text) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

function render(name, data, seq) {
  const item = document.createElement("li");
  item.dataset.event = name;
  item.dataset.seq = String(seq);
  switch (name) {
    case "text-delta":
      item.textContent = `text: ${data.text}`;
      answer.textContent += data.text;
      break;
    case "tool-call-started":
      item.dataset.tool = data.toolName;
      item.textContent = `→ ${data.toolName}(${data.arguments})`;
      break;
    case "tool-call-finished":
      item.dataset.tool = data.toolName;
      item.dataset.outcome = data.outcome;
      item.textContent = `← ${data.toolName}: ${data.outcome} in ${data.durationMs} ms`;
      break;
    case "approval-requested":
      item.dataset.tool = data.toolName;
      item.textContent = `approval needed for ${data.toolName}(${data.arguments})`;
      break;
    case "completed":
      item.dataset.stopReason = data.stopReason;
      item.textContent = `completed: ${data.stopReason} (${data.iterations} turns, ${data.toolCalls} tool calls, ${data.inputTokens ?? "?"} in / ${data.outputTokens ?? "?"} out tokens)`;
      break;
    case "error":
      item.textContent = `error: ${data.title} (${data.kind ?? data.status})`;
      break;
    default:
      item.textContent = `${name}: ${JSON.stringify(data)}`;
  }
  eventList.appendChild(item);
}

// Splits the SSE byte stream into events: blank-line separated blocks of "event:" and "data:" lines.
async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) yield { name, data: JSON.parse(data.join("\n")) };
    }
  }
}

async function send(message) {
  controller = new AbortController();
  eventList.replaceChildren();
  answer.textContent = "";
  sendButton.disabled = true;
  stopButton.disabled = false;
  setStatus("streaming", "Streaming…");
  let seq = 0;
  try {
    const response = await fetch("chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify({ message }),
      signal: controller.signal,
    });
    if (!response.ok) {
      // Problem details: 429 (budget, with Retry-After), 503 (model unavailable), 400 (bad input) …
      const problem = await response.json().catch(() => ({ title: response.statusText }));
      const retry = response.headers.get("Retry-After");
      render("error", { ...problem, status: response.status }, ++seq);
      setStatus("failed", `${response.status} ${problem.title ?? ""}${retry ? ` (retry after ${retry} s)` : ""}`);
      return;
    }
    for await (const event of readEvents(response.body)) {
      render(event.name, event.data, ++seq);
    }
    setStatus("done", "Done");
  } catch (error) {
    if (error.name === "AbortError") setStatus("stopped", "Stopped");
    else setStatus("failed", `Failed: ${error.message}`);
  } finally {
    controller = null;
    sendButton.disabled = false;
    stopButton.disabled = true;
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const message = input.value.trim();
  if (message) send(message);
});

stopButton.addEventListener("click", () => controller?.abort());
