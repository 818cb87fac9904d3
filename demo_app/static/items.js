// Items page: the table is filled from GET /api/items after a short delay and
// kept up to date by polling; rows are only added or removed, never redrawn,
// so element references held by a test stay valid.  Anonymous visitors see
// "Please log in" until they log in through the modal.
(() => {
  const FIRST_LOAD_MS = 300, POLL_MS = 500, SLOW_MS = 700, OVERLAY_MS = 500;
  const table = document.getElementById("items");
  const tbody = table.querySelector("tbody");
  const itemsStatus = document.getElementById("items-status");
  const addStatus = document.getElementById("add-status");

  const ERRORS = {401: "Please log in", 403: "Not allowed"};
  const describe = (response) => ERRORS[response.status] || "Error " + response.status;

  function cell(className, text) {
    const td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    return td;
  }

  function makeRow(item) {
    const row = document.createElement("tr");
    row.dataset.id = item.id;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "delete";
    button.dataset.id = item.id;
    button.textContent = "Delete";
    const actions = document.createElement("td");
    actions.append(button);
    row.append(cell("name", item.name), cell("owner", item.owner),
               cell("created", item.created_at), actions);
    return row;
  }

  function render(items) {
    const wanted = new Set(items.map((item) => String(item.id)));
    for (const row of [...tbody.rows]) {
      if (!wanted.has(row.dataset.id)) row.remove();
    }
    for (const item of items) {
      if (tbody.querySelector(`tr[data-id="${item.id}"]`)) continue;
      const next = [...tbody.rows].find((row) => Number(row.dataset.id) > item.id);
      tbody.insertBefore(makeRow(item), next || null);
    }
    itemsStatus.textContent = items.length + " items";
    table.dataset.loaded = "true";
  }

  async function refresh() {
    try {
      const response = await fetch("/api/items");
      if (response.ok) render((await response.json()).items);
      else itemsStatus.textContent = describe(response);
    } catch (error) {
      itemsStatus.textContent = "Connection error";
    } finally {
      setTimeout(refresh, POLL_MS);
    }
  }

  async function deleteItem(button) {
    const response = await fetch("/api/items/" + button.dataset.id, {method: "DELETE"});
    if (response.ok || response.status === 404) button.closest("tr").remove();
    else itemsStatus.textContent = describe(response);
  }

  async function addItem(event) {
    event.preventDefault();
    const input = document.getElementById("new-item-name");
    const response = await fetch("/api/items", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({name: input.value}),
    });
    if (response.status === 202) {
      addStatus.textContent = "Item " + (await response.json()).id + " pending";
      input.value = "";
    } else {
      addStatus.textContent = describe(response);
    }
  }

  tbody.addEventListener("click", (event) => {
    if (event.target.matches("button.delete")) deleteItem(event.target);
  });
  document.getElementById("new-item-form").addEventListener("submit", addItem);

  const slow = document.getElementById("slow-button");
  setTimeout(() => { slow.disabled = false; }, SLOW_MS);
  slow.addEventListener("click", () => {
    document.getElementById("slow-result").textContent = "Slow button clicked";
  });
  setTimeout(() => document.getElementById("overlay").remove(), OVERLAY_MS);
  document.getElementById("covered-button").addEventListener("click", () => {
    document.getElementById("covered-result").textContent = "Covered button clicked";
  });

  // polling anonymously would only fill the console with 401 errors
  if (document.body.dataset.user) {
    setTimeout(refresh, FIRST_LOAD_MS);
  } else {
    itemsStatus.textContent = "Please log in";
    document.addEventListener("demo:login", () => setTimeout(refresh, FIRST_LOAD_MS),
                              {once: true});
  }
})();
