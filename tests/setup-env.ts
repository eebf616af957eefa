// The AWS SDK warns on Node 20 about its future support window; Lambda runs Node 22, and the warning
// would bury test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
