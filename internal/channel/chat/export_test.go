package chat

// SendMail is sendMail, for the test that a stalled mail server is given up on.
var SendMail = sendMail
