"""The views: a blueprint a module, each thin (read the request, call the floor below, answer); none imports another."""
