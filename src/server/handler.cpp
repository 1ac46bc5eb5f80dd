#include "sockit/server/handler.hpp"

namespace sockit::server {

BaseRequestHandler::BaseRequestHandler(RequestContext& context)
    : request(context.request),
      client_address(context.client_address),
      server(context.server),
      reusable(context.reusable) {}

BaseRequestHandler::~BaseRequestHandler() = default;

StreamRequestHandler::StreamRequestHandler(RequestContext& context)
    : BaseRequestHandler(context) {}

StreamRequestHandler::~StreamRequestHandler() = default;

void StreamRequestHandler::setup() {
  rfile = std::make_unique<SocketFile>(request);
  wfile = std::make_unique<SocketFile>(request);
}

void StreamRequestHandler::finish() {
  if (wfile) wfile->flush();
}

DatagramRequestHandler::DatagramRequestHandler(RequestContext& context)
    : BaseRequestHandler(context), packet(std::move(context.packet)) {}

DatagramRequestHandler::~DatagramRequestHandler() = default;

void DatagramRequestHandler::reply(std::string_view data) { request.sendto(data, client_address); }

}  // namespace sockit::server
