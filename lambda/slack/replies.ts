/**
 * Replies to Slack's buttons, modals, shortcut and reactions that are not a command's answer (those
 * come from the command service): what the user reads when a form did not open, when something
 * or failed.
 */

/** When Slack is too slow to open the declare modal inside the trigger_id's 3 s. */
export const FORM_NOT_OPENED =
  'Slack did not open the form in time; try `/incident` again, or declare directly with `/incident open [sev1..sev4] <title>`.';

/** When Slack does not open a button's or shortcut's modal in time: the form is gone, not the data. */
export const VIEW_NOT_OPENED = 'Slack did not open the form in time; nothing was changed. Please try again.';

/** Whatever failed unexpectedly while handling a Slack request (logged by the listeners' app.error). */
export const SOMETHING_WENT_WRONG =
  'Something went wrong while handling that. Please try again; if it keeps failing, check the bot logs.';

/** The add-to-timeline shortcut used outside an incident channel. */
export const NOT_AN_INCIDENT_CHANNEL =
  'This channel belongs to no incident: use the shortcut on a message in an incident channel.';
