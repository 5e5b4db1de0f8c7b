// Browser notifications for the navbar bell (app/components/alert_bell.py): the bell's poll puts the
// new events set "on" into the alerts-bell-new store; each becomes a Notification when the user allowed
// them (the bell's "enable" button asks). GSLTS.alertsShown counts them (tests read it).
(function () {
  "use strict";
  window.GSLTS = window.GSLTS || {};
  window.GSLTS.alertsShown = [];
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    gslts_alerts: {
      notify: function (items) {
        (items || []).forEach(function (it) {
          window.GSLTS.alertsShown.push(it);
          if (!("Notification" in window) || Notification.permission !== "granted") return;
          try {
            new Notification(it.title, { body: it.body, tag: it.tag });
          } catch (e) { /* some browsers only allow notifications from a service worker */ }
        });
        return true;
      },
      enable: function () {
        if ("Notification" in window && Notification.permission === "default") {
          Notification.requestPermission();
        }
        return !("Notification" in window) || Notification.permission === "denied";
      },
    },
  });
})();
