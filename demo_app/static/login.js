// Plone-like login modal: appears shortly after "Log in" is clicked, logs in
// through POST /login (session cookie) and shows the user after a delay.
(() => {
  const MODAL_DELAY = 150, LOGIN_DELAY = 400;

  function showUser(username) {
    const tools = document.getElementById("portal-personaltools");
    tools.textContent = "";
    const user = document.createElement("span");
    user.className = "icon-user";
    user.textContent = username;
    const logout = document.createElement("a");
    logout.id = "logout";
    logout.href = "/logout";
    logout.textContent = "Log out";
    tools.append(user, " ", logout);
  }

  function showError(form, message) {
    let error = form.querySelector(".error");
    if (!error) {
      error = document.createElement("p");
      error.className = "error";
      form.querySelector(".pattern-modal-buttons").before(error);
    }
    error.textContent = message;
  }

  async function submitLogin(event) {
    event.preventDefault();
    const form = event.target;
    const response = await fetch("/login", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({
        username: form.querySelector("#__ac_name").value,
        password: form.querySelector("#__ac_password").value,
      }),
    });
    if (!response.ok) { showError(form, "Login failed"); return; }
    const data = await response.json();
    // the user shows up a bit later, as on a real site: tests must wait for it
    setTimeout(() => {
      document.getElementById("login-modal").remove();
      showUser(data.username);
      document.body.dataset.user = data.username;
      // lets a page react to the login (e.g. the items page starts polling)
      document.dispatchEvent(new CustomEvent("demo:login", {detail: data}));
    }, LOGIN_DELAY);
  }

  function openModal(event) {
    event.preventDefault();
    if (document.getElementById("login-modal")) return;
    setTimeout(() => {
      const template = document.getElementById("login-modal-template");
      document.body.append(template.content.cloneNode(true));
      document.getElementById("login-form").addEventListener("submit", submitLogin);
      document.getElementById("__ac_name").focus();
    }, MODAL_DELAY);
  }

  const loginLink = document.getElementById("personaltools-login");
  if (loginLink) loginLink.addEventListener("click", openModal);
})();
