// Readings page: listens to /ws/readings and lists every reading once, in id
// order; the stored readings are loaded once the socket is open, so none is
// lost in between.  #ws-status says "connected" when both are done.
(() => {
  const list = document.getElementById("readings");
  const status = document.getElementById("ws-status");

  function add(reading) {
    if (list.querySelector(`li[data-id="${reading.id}"]`)) return;
    const item = document.createElement("li");
    item.className = "reading";
    item.dataset.device = reading.device;
    item.dataset.id = reading.id;
    item.textContent = reading.device + ": " + reading.value;
    const next = [...list.children].find((li) => Number(li.dataset.id) > reading.id);
    list.insertBefore(item, next || null);
  }

  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/readings`);
  socket.addEventListener("message", (event) => add(JSON.parse(event.data)));
  socket.addEventListener("open", async () => {
    const response = await fetch("/api/readings");
    (await response.json()).readings.forEach(add);
    status.textContent = "connected";
  });
  socket.addEventListener("close", () => { status.textContent = "closed"; });
})();
