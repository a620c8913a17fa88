// The RabbitMQ relay's client, written out and run with python3 by `PeerBenchmarks.rabbitRelay` (issue 25).
extension PeerBenchmarks {
    static let relayScript = #"""
        """A single-hop durable relay through RabbitMQ, the peer of `xietong bench compare` (issue 25).

        Publishers send persistent messages to a durable queue with publisher confirms (each waits for the broker's
        confirmation, as a node waits for the hub's receipt); consumers take them with manual acknowledgements. Prints one JSON
        object: messages/s in the throughput phase, latency p50/p99/max at a fixed rate, and the client's CPU seconds (so that
        a client that is itself the bottleneck shows).
        """
        import argparse, json, multiprocessing as mp, os, resource, struct, sys, time

        import pika

        QUEUE = "xietong-bench"


        def connect(port):
            return pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1", port=port, heartbeat=0))


        def publisher(port, count, size, interval, start_at, sent):
            connection = connect(port)
            channel = connection.channel()
            channel.confirm_delivery()
            padding = b"x" * max(0, size - 8)
            properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
            while time.time() < start_at:
                time.sleep(0.001)
            next_at = time.time()
            for _ in range(count):
                if interval:
                    delay = next_at - time.time()
                    if delay > 0:
                        time.sleep(delay)
                    next_at += interval
                channel.basic_publish("", QUEUE, struct.pack("d", time.time()) + padding, properties, mandatory=True)
                with sent.get_lock():
                    sent.value += 1
            connection.close()


        def consumer(port, expected, received, results, deadline):
            connection = connect(port)
            channel = connection.channel()
            channel.basic_qos(prefetch_count=64)
            latencies = []
            last = [0.0]

            def on_message(ch, method, properties, body):
                now = time.time()
                latencies.append(now - struct.unpack("d", body[:8])[0])
                last[0] = now
                ch.basic_ack(method.delivery_tag)
                with received.get_lock():
                    received.value += 1

            channel.basic_consume(QUEUE, on_message)
            while received.value < expected and time.time() < deadline:
                connection.process_data_events(time_limit=0.05)
            connection.close()
            results.put((latencies, last[0]))


        def phase(port, messages, publishers, consumers, size, rate):
            setup = connect(port)
            channel = setup.channel()
            channel.queue_declare(QUEUE, durable=True)
            channel.queue_purge(QUEUE)
            setup.close()
            sent = mp.Value("l", 0)
            received = mp.Value("l", 0)
            results = mp.Queue()
            start_at = time.time() + 1.0
            deadline = start_at + 600
            interval = publishers / rate if rate else 0
            workers = [mp.Process(target=consumer, args=(port, messages, received, results, deadline)) for _ in range(consumers)]
            per = messages // publishers
            workers += [
                mp.Process(target=publisher, args=(port, per + (1 if i < messages % publishers else 0), size, interval, start_at, sent))
                for i in range(publishers)
            ]
            for worker in workers:
                worker.start()
            gathered = [results.get() for _ in range(consumers)]
            for worker in workers:
                worker.join()
            latencies = sorted(l for part in gathered for l in part[0])
            end = max(part[1] for part in gathered)
            return {
                "messages": len(latencies),
                "seconds": end - start_at,
                "p50": latencies[len(latencies) // 2] * 1000 if latencies else 0,
                "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0,
                "max": latencies[-1] * 1000 if latencies else 0,
            }


        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--port", type=int, required=True)
            parser.add_argument("--messages", type=int, default=6000)
            parser.add_argument("--publishers", type=int, default=32)
            parser.add_argument("--consumers", type=int, default=4)
            parser.add_argument("--size", type=int, default=4096)
            parser.add_argument("--rate", type=float, default=500)
            parser.add_argument("--seconds", type=float, default=10)
            arguments = parser.parse_args()
            throughput = phase(arguments.port, arguments.messages, arguments.publishers, arguments.consumers, arguments.size, None)
            latency_messages = int(arguments.rate * arguments.seconds)
            latency = phase(arguments.port, latency_messages, min(arguments.publishers, 16), arguments.consumers, arguments.size, arguments.rate)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            print(
                json.dumps(
                    {
                        "messages": throughput["messages"],
                        "messagesPerSecond": throughput["messages"] / throughput["seconds"],
                        "latencyRate": arguments.rate,
                        "latencyMessages": latency["messages"],
                        "p50Milliseconds": latency["p50"],
                        "p99Milliseconds": latency["p99"],
                        "maxMilliseconds": latency["max"],
                        "clientCPUSeconds": children.ru_utime + children.ru_stime,
                    }
                )
            )


        if __name__ == "__main__":
            mp.set_start_method("fork")
            main()
        """#
}
