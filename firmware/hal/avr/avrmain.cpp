// main() for an AVR sketch built with CMake (the Arduino core's role): the board's start-up,
// then setup() once and loop() forever. A platform file defines wardenBoardBegin() to bring up
// the HAL before setup() runs; a sketch that does that itself leaves it out.
void setup();
void loop();

extern "C" __attribute__((weak)) void wardenBoardBegin() { }

int main()
{
    wardenBoardBegin();
    setup();
    for (;;)
        loop();
}

// Called if a pure virtual function is ever called (only possible from a constructor or
// destructor of an interface); the vtables of the HAL interfaces refer to it. There is no one
// to report to: stop, and let a watchdog (if running) reset the node.
extern "C" void __cxa_pure_virtual()
{
    for (;;) { }
}
